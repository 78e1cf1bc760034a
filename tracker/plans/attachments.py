"""Attaching documents to a plan version, reading them back, and letting them go.

The type of an upload is found from its content (the `filetype` library reads the
leading bytes), never from its name or the browser's claim: a program renamed
permit.pdf is refused as what it is. Only drafts take or lose attachments: a submitted
or approved version is what leadership saw. Every change and every download is audited.

The store (tracker/storage.py) is passed in: services never reach for the app."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

import filetype
from sqlalchemy import func, select

from tracker import inputs
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden, NotFound, ValidationError
from tracker.events.models import Event
from tracker.extensions import db
from tracker.plans.attachment_models import ATTACHMENT_KINDS, PlanAttachment
from tracker.plans.models import OperationsPlan, PlanVersion
from tracker.storage import FileStore, remove_after_commit, remove_after_rollback

#: media type found in the content -> (name shown, extension of the download)
ALLOWED_TYPES = {
    "application/pdf": ("PDF", "pdf"),
    "image/png": ("PNG image", "png"),
    "image/jpeg": ("JPEG image", "jpg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        ("Word document (DOCX)", "docx"),
    "application/vnd.oasis.opendocument.text": ("OpenDocument text (ODT)", "odt"),
}
TITLE_MAX = 200
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
READERS = (Role.PLANNER, Role.LEADERSHIP, Role.LIAISON, Role.PRIVACY_OFFICER, Role.ADMIN)
WRITERS = (Role.PLANNER,)


@dataclass(frozen=True)
class Upload:
    kind: str
    title: str
    data: bytes


def allowed_names() -> str:
    return ", ".join(name for name, _ in ALLOWED_TYPES.values())


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def check_content(data: bytes, max_bytes: int) -> tuple[str, str]:
    """(media type, extension) of an acceptable upload, else ValidationError on "file"."""
    if not data:
        raise ValidationError("file", "The file is empty.")
    if len(data) > max_bytes:
        raise ValidationError("file", f"The file is {_size(len(data))}: at most "
                                      f"{_size(max_bytes)} can be attached.")
    kind = filetype.guess(data)
    if kind is None:
        raise ValidationError("file", "The file's type could not be recognised from its "
                                      f"content. Attach one of: {allowed_names()}.")
    if kind.mime not in ALLOWED_TYPES:
        raise ValidationError("file", f"The file's content is {kind.mime} "
                                      f"({kind.extension}), whatever its name says. "
                                      f"Attach one of: {allowed_names()}.")
    return kind.mime, ALLOWED_TYPES[kind.mime][1]


def may_write(actor: User, version: PlanVersion) -> bool:
    """Whoever writes the plan (the event's planner) attaches and removes its documents."""
    from tracker.plans.services import may_write as may_write_plan  # services import us

    return may_write_plan(actor, version.plan.event)


def _require_writer(actor: User, version: PlanVersion) -> None:
    from tracker.plans.services import require_writer  # services import us

    if not may_write(actor, version):
        raise Forbidden("Only the event's planner attaches or removes the plan's documents.")
    require_writer(actor, version.plan.event)  # and never on a closed or cancelled event
    if not version.is_draft:
        raise ValidationError(None, "This version has been submitted: documents are "
                                    "attached to the draft. Start a new draft to change "
                                    "them.")


def add(actor: User, version: PlanVersion, upload: Upload, store: FileStore, now: datetime,
        max_bytes: int = DEFAULT_MAX_BYTES) -> PlanAttachment:
    _require_writer(actor, version)
    if upload.kind not in ATTACHMENT_KINDS:
        raise ValidationError("kind", "Choose what kind of document this is.")
    title = (upload.title or "").strip()
    if not title:
        raise ValidationError("title", "Say what the document is.")
    if len(title) > TITLE_MAX:
        raise ValidationError("title", f"At most {TITLE_MAX} characters.")
    inputs.check_storable("title", title)
    media_type, extension = check_content(upload.data, max_bytes)
    stored = store.put(upload.data)
    remove_after_rollback(db.session, store, stored.key)
    row = PlanAttachment(version_id=version.id, kind=upload.kind, title=title,
                         media_type=media_type, extension=extension, size_bytes=stored.size,
                         sha256=stored.sha256, storage_key=stored.key,
                         uploaded_by_id=actor.id, uploaded_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "plan.attachment.add", "plan_attachment", row.id, now=now, changes={
        "version_id": version.id, "kind": upload.kind, "media_type": media_type,
        "size_bytes": stored.size, "sha256": stored.sha256})
    return row


def _release(rows: Iterable[PlanAttachment], store: FileStore) -> None:
    """Remove the stored files no other row refers to, once the deletion commits."""
    rows = list(rows)
    if not rows:
        return
    gone = {row.id for row in rows}
    for key in {row.storage_key for row in rows}:
        others = db.session.scalar(select(func.count(PlanAttachment.id)).where(
            PlanAttachment.storage_key == key, PlanAttachment.id.not_in(gone)))
        if not others:
            remove_after_commit(db.session, store, key)


def remove(actor: User, attachment: PlanAttachment, store: FileStore, now: datetime) -> None:
    _require_writer(actor, attachment.version)
    _release([attachment], store)
    attachment_id = attachment.id
    changes = {"version_id": attachment.version_id, "kind": attachment.kind,
               "sha256": attachment.sha256}
    db.session.delete(attachment)
    db.session.flush()
    audit.record(actor, "plan.attachment.remove", "plan_attachment", attachment_id, now=now,
                 changes=changes)


def open_for(actor: User, attachment: PlanAttachment, store: FileStore,
             now: datetime) -> BinaryIO:
    """The file's content for a reader, the read audited (a disclosure)."""
    if not actor.has_role(*READERS):
        raise Forbidden("Your role cannot read the plan's documents.")
    handle = store.open(attachment.storage_key)
    audit.record(actor, "plan.attachment.download", "plan_attachment", attachment.id,
                 now=now, changes={"version_id": attachment.version_id,
                                   "sha256": attachment.sha256})
    return handle


def carry_forward(source: PlanVersion, target: PlanVersion) -> list[PlanAttachment]:
    """A new version of the same plan starts with its predecessor's documents (the rows
    share the stored files). A plan copied from another event gets none."""
    if source.plan_id != target.plan_id:
        return []
    copies = [PlanAttachment(version_id=target.id, kind=a.kind, title=a.title,
                             media_type=a.media_type, extension=a.extension,
                             size_bytes=a.size_bytes, sha256=a.sha256,
                             storage_key=a.storage_key, uploaded_by_id=a.uploaded_by_id,
                             uploaded_at=a.uploaded_at)
              for a in for_version(source.id)]
    db.session.add_all(copies)
    db.session.flush()
    return copies


def get(attachment_id: int) -> PlanAttachment:
    row = db.session.get(PlanAttachment, attachment_id)
    if row is None:
        raise NotFound("No such document.")
    return row


def for_version(version_id: int) -> list[PlanAttachment]:
    return list(db.session.scalars(select(PlanAttachment).where(
        PlanAttachment.version_id == version_id).order_by(PlanAttachment.id)))


def event_of(attachment: PlanAttachment) -> Event:
    return attachment.version.plan.event


def _of_events(event_ids: Iterable[int]) -> list[PlanAttachment]:
    return list(db.session.scalars(
        select(PlanAttachment).join(PlanVersion).join(OperationsPlan)
        .where(OperationsPlan.event_id.in_(list(event_ids)))))


def release_event(event_id: int, store: FileStore) -> None:
    """The event is being deleted (its rows go with it by cascade): its files go once
    that deletion commits."""
    _release(_of_events([event_id]), store)


def purge(now: datetime, retention_days: int, store: FileStore) -> int:
    """Remove the documents of events that ended more than `retention_days` ago (the
    event's record retention). Returns how many rows were removed."""
    cutoff = now - timedelta(days=retention_days)
    event_ids = list(db.session.scalars(select(Event.id).where(Event.ends_at < cutoff)))
    rows = _of_events(event_ids) if event_ids else []
    _release(rows, store)
    for row in rows:
        audit.record(None, "plan.attachment.purge", "plan_attachment", row.id, now=now,
                     changes={"version_id": row.version_id, "kind": row.kind,
                              "retention_days": retention_days})
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def referenced_keys() -> set[str]:
    return set(db.session.scalars(select(PlanAttachment.storage_key).distinct()))


def get_version(version_id: int) -> PlanVersion:
    version = db.session.get(PlanVersion, version_id)
    if version is None:
        raise NotFound("No such plan version.")
    return version

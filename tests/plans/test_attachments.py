"""Documents on a plan version: checked by content, stored privately, downloaded through
an audited route by the plan's readers, removed with their version, event or retention."""

import hashlib
import io
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tests.plans.media_support import ELF, EXE, HTML, JPEG, PDF, PNG, make_version, zip_file
from tracker import storage
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.errors import Forbidden, ValidationError
from tracker.events import services as events
from tracker.extensions import db
from tracker.plans import attachments
from tracker.plans.attachment_models import PlanAttachment

ROLES = list(Role)


@pytest.fixture
def store(app):
    return storage.for_app(app)


@pytest.fixture
def planner(make_user):
    return make_user(Role.PLANNER)


@pytest.fixture
def draft(make_event, planner):
    return make_version(make_event(actor=planner), planner)


def attach(actor, version, store, data=PDF, kind="permit", title="City permit 2026-114",
           **kw):
    row = attachments.add(actor, version, attachments.Upload(kind, title, data), store, NOW,
                          **kw)
    db.session.commit()
    return row


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def stored_files(store) -> list[str]:
    return sorted(store.keys())


@pytest.mark.parametrize(("data", "media_type", "extension"), [
    (PDF, "application/pdf", "pdf"), (PNG, "image/png", "png"),
    (JPEG, "image/jpeg", "jpg")])
def test_allowed_types_are_stored_privately_with_their_digest(
        app, store, planner, draft, data, media_type, extension):
    row = attach(planner, draft, store, data)
    assert (row.media_type, row.extension, row.size_bytes) == (media_type, extension,
                                                              len(data))
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    path = store.root / row.storage_key
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert store.root == Path(app.instance_path) / "attachments"  # outside the web root
    assert row.download_name == f"permit-{row.id}.{extension}"
    assert audit_actions()[-1] == "plan.attachment.add"


@pytest.mark.parametrize(("data", "reason"), [
    (EXE, "application/x-msdownload (exe), whatever its name says"),
    (ELF, "application/x-executable (elf)"),
    (zip_file(), "application/zip (zip)"),
    (HTML, "could not be recognised"),
    (b"", "empty"),
])
def test_disguised_and_wrong_types_are_refused_and_nothing_is_kept(
        store, planner, draft, data, reason):
    with pytest.raises(ValidationError) as caught:
        attach(planner, draft, store, data)
    db.session.rollback()
    assert caught.value.field == "file" and reason in caught.value.message
    assert stored_files(store) == []
    assert db.session.scalars(select(PlanAttachment)).all() == []


def test_too_large(store, planner, draft):
    with pytest.raises(ValidationError) as caught:
        attach(planner, draft, store, PDF + b"0" * 2048, max_bytes=1024)
    assert "at most 1 KB" in caught.value.message
    assert stored_files(store) == []


@pytest.mark.parametrize(("kind", "title", "field"), [
    ("passport", "Permit", "kind"), ("permit", "  ", "title"),
    ("permit", "x" * 201, "title"), ("permit", "a\x00b", "title")])
def test_bad_kind_or_title(store, planner, draft, kind, title, field):
    with pytest.raises(ValidationError) as caught:
        attach(planner, draft, store, kind=kind, title=title)
    assert caught.value.field == field


def test_only_planners_attach_and_only_to_a_draft(make_user, make_event, store, planner):
    event = make_event(actor=planner)
    submitted = make_version(event, planner, status="submitted")
    with pytest.raises(ValidationError, match="submitted"):
        attach(planner, submitted, store)
    draft = make_version(event, planner, number=2)
    for role in (Role.LEADERSHIP, Role.LIAISON, Role.PRIVACY_OFFICER, Role.ADMIN):
        with pytest.raises(Forbidden):
            attach(make_user(role), draft, store)
    assert stored_files(store) == []


def test_a_rolled_back_upload_leaves_no_file(store, planner, draft):
    attachments.add(planner, draft, attachments.Upload("permit", "Permit", PDF), store, NOW)
    assert len(stored_files(store)) == 1
    db.session.rollback()
    assert stored_files(store) == []


def test_removal_deletes_the_file_only_when_committed(store, planner, draft):
    row = attach(planner, draft, store)
    attachments.remove(planner, row, store, NOW)
    assert stored_files(store) == [row.storage_key]  # not yet committed
    db.session.rollback()
    assert stored_files(store) == [row.storage_key]  # rolled back: still there
    row = db.session.get(PlanAttachment, row.id)
    attachments.remove(planner, row, store, NOW)
    db.session.commit()
    assert stored_files(store) == []
    assert audit_actions()[-1] == "plan.attachment.remove"


def test_a_new_version_shares_the_file_until_the_last_row_goes(make_event, store, planner):
    event = make_event(actor=planner)
    first = make_version(event, planner)
    row = attach(planner, first, store)
    second = make_version(event, planner, number=2)
    [copy] = attachments.carry_forward(first, second)
    db.session.commit()
    assert copy.storage_key == row.storage_key and copy.version_id == second.id
    attachments.remove(planner, copy, store, NOW)
    db.session.commit()
    assert stored_files(store) == [row.storage_key]
    attachments.remove(planner, row, store, NOW)
    db.session.commit()
    assert stored_files(store) == []


def test_a_copy_into_another_events_plan_carries_no_documents(make_event, store, planner):
    first = make_version(make_event(actor=planner), planner)
    attach(planner, first, store)
    other = make_version(make_event(actor=planner), planner)
    assert attachments.carry_forward(first, other) == []


def test_documents_go_with_a_deleted_event(make_event, store, planner):
    event = make_event(actor=planner)
    row_id = attach(planner, make_version(event, planner), store).id
    keep = attach(planner, make_version(make_event(actor=planner), planner), store)
    events.delete_event(planner, event, NOW)
    db.session.commit()
    assert stored_files(store) == [keep.storage_key]
    db.session.expire_all()
    assert db.session.get(PlanAttachment, row_id) is None


def test_retention_purge_removes_documents_of_long_ended_events(make_event, store, planner):
    old = make_event(actor=planner, starts_at=NOW - timedelta(days=400))
    recent = make_event(actor=planner, starts_at=NOW - timedelta(days=10))
    gone = attach(planner, make_version(old, planner), store).id
    kept = attach(planner, make_version(recent, planner), store)
    assert attachments.purge(NOW, 365, store) == 1
    db.session.commit()
    assert stored_files(store) == [kept.storage_key]
    assert db.session.get(PlanAttachment, gone) is None
    assert "plan.attachment.purge" in audit_actions()


def test_store_refuses_keys_it_did_not_make(store):
    for key in ("../secret_key", "/etc/passwd", "A" * 32, "", "0" * 31):
        with pytest.raises(storage.StorageError):
            store.open(key)


# ---- through the web ------------------------------------------------------------------


def upload(client, version_id, data=PDF, name="permit.pdf", **fields):
    form = {"kind": "permit", "title": "City permit 2026-114", **fields,
            "file": (io.BytesIO(data), name, "application/pdf")}
    return client.post(f"/plans/versions/{version_id}/documents", data=form,
                       content_type="multipart/form-data")


def test_upload_page_attaches_and_lists(client, planner, draft):
    login(client, planner)
    response = upload(client, draft.id)
    assert response.status_code == 302
    page = client.get(f"/plans/versions/{draft.id}/documents").get_data(as_text=True)
    assert "City permit 2026-114" in page and "Remove" in page


def test_a_refused_upload_says_why_and_keeps_the_rest_of_the_form(client, store, planner,
                                                                    draft):
    login(client, planner)
    response = upload(client, draft.id, EXE, name="permit.pdf", kind="traffic_plan",
                      title="Traffic plan from the city")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "application/x-msdownload (exe), whatever its name says" in page
    assert 'value="Traffic plan from the city"' in page
    assert '<option selected value="traffic_plan">' in page
    assert stored_files(store) == []


def test_a_file_over_the_limit_gets_a_message(app, client, store, planner, draft):
    app.config["ATTACHMENT_MAX_BYTES"] = 4096
    login(client, planner)
    response = upload(client, draft.id, PDF + b"0" * 8192)
    assert response.status_code == 400
    assert "at most 4 KB can be attached" in response.get_data(as_text=True)


def test_a_far_larger_request_is_refused_whole(app, client, planner, draft):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    login(client, planner)
    response = upload(client, draft.id, PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413


def test_a_resent_upload_attaches_once(client, planner, draft):
    login(client, planner)
    token = {"submit_token": "t" * 24}
    assert upload(client, draft.id, **token).status_code == 302
    assert upload(client, draft.id, **token).status_code == 302
    assert len(attachments.for_version(draft.id)) == 1


@pytest.mark.parametrize("role", ROLES)
def test_download_by_each_role(app, client, make_user, store, planner, draft, role):
    row = attach(planner, draft, store)
    reader = make_user(role)
    login(client, reader)
    response = client.get(f"/plans/documents/{row.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=permit-{row.id}.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    record = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert (record.action, record.actor_id, record.object_id) == (
        "plan.attachment.download", reader.id, str(row.id))


def test_anonymous_download_is_sent_to_sign_in(client, store, planner, draft):
    row = attach(planner, draft, store)
    response = client.get(f"/plans/documents/{row.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [r for r in ROLES if r is not Role.PLANNER])
def test_only_planners_upload_or_remove(client, make_user, store, planner, draft, role):
    row = attach(planner, draft, store)
    login(client, make_user(role))
    assert upload(client, draft.id).status_code == 403
    assert client.post(f"/plans/documents/{row.id}/remove").status_code == 403
    page = client.get(f"/plans/versions/{draft.id}/documents").get_data(as_text=True)
    assert "Attach a document" not in page and "Remove" not in page
    assert stored_files(store) == [row.storage_key]


def test_remove_through_the_page(client, store, planner, draft):
    row = attach(planner, draft, store)
    login(client, planner)
    assert client.post(f"/plans/documents/{row.id}/remove").status_code == 302
    assert stored_files(store) == []


def test_unknown_ids(client, planner):
    login(client, planner)
    assert client.get("/plans/documents/999").status_code == 404
    assert client.get("/plans/versions/999/documents").status_code == 404
    assert client.post("/plans/documents/999/remove").status_code == 404


def test_the_scheduler_job_purges_only_when_a_retention_is_set(app, make_event, store,
                                                               planner):
    from tracker.plans.media_wiring import purge_documents

    old = make_event(actor=planner, starts_at=NOW - timedelta(days=4000))
    attach(planner, make_version(old, planner), store)
    assert purge_documents() is None  # default: kept as long as the event
    assert len(stored_files(store)) == 1
    app.config["PLAN_ATTACHMENT_RETENTION_DAYS"] = 365
    assert purge_documents() == "1 plan documents removed"
    assert stored_files(store) == []

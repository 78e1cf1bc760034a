"""Support for the map, documents and IAP tests: plan versions made directly (the plan
services have their own tests), and tiny files of each kind."""

import hashlib
import io
import zipfile

from tracker.events.models import PlanApproval
from tracker.extensions import db
from tracker.plans.models import OperationsPlan, PlanVersion
from tracker.plans.sections import empty

# Enough of each format for its signature (the `filetype` library reads the head).
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(1)</script>"


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "hello")
    return buffer.getvalue()


def make_version(event, actor, *, status="draft", number=1, sections=None,
                 map_geojson=None, approver=None, now=None) -> PlanVersion:
    plan = db.session.query(OperationsPlan).filter_by(event_id=event.id).one_or_none()
    if plan is None:
        plan = OperationsPlan(event_id=event.id, created_by_id=actor.id)
        db.session.add(plan)
        db.session.flush()
    content = sections if sections is not None else empty()
    version = PlanVersion(plan_id=plan.id, number=number, status=status, sections=content,
                          map_geojson=map_geojson, created_by_id=actor.id,
                          content_hash=hashlib.sha256(repr(content).encode()).hexdigest())
    if status == "approved":
        approval = PlanApproval(event_id=event.id, version=number,
                                approved_by_id=(approver or actor).id,
                                approved_at=now or event.starts_at, note="Approved as drafted.",
                                fingerprint="f" * 64, content={})
        db.session.add(approval)
        db.session.flush()
        version.approval_id = approval.id
    db.session.add(version)
    db.session.commit()
    return version

"""The Incident Action Plan: the page and the PDF, read back with pdftotext."""

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from tests.conftest import NOW, login
from tests.plans.media_support import PDF, make_version
from tracker import storage
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.extensions import db
from tracker.plans import attachments, iap
from tracker.plans.sections import RIGHTS_OBJECTIVE, empty

ROUTE = [[-87.6298, 41.8781], [-87.6244, 41.8827], [-87.6200, 41.8850]]
MAP = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"kind": "route", "label": "March route"},
     "geometry": {"type": "LineString", "coordinates": ROUTE}},
    {"type": "Feature", "properties": {"kind": "staging", "label": "Staging lot B"},
     "geometry": {"type": "Point", "coordinates": [-87.631, 41.877]}}]})


def plan_sections() -> dict:
    content = empty()
    content.update({
        "objectives": [{"text": RIGHTS_OBJECTIVE}, {"text": "Keep the route clear of traffic."}],
        "command": [{"position": "Incident commander", "assigned": "Lt. Alvarez"}],
        "assignments": [
            {"unit": "Traffic unit 3", "location": "Main & 5th", "starts": "09:00",
             "ends": "12:00", "task": "Hold the intersection closed."},
            {"unit": "Bike team 1", "location": "Along the route", "starts": "09:30",
             "ends": "12:30", "task": "Escort the march."},
            {"unit": "Traffic unit 3", "location": "Main & 7th", "starts": "08:30",
             "ends": "09:00", "task": "Place barricades."}],
        "communications": [{"channel": "TAC-2", "function": "Event command",
                            "users": "All units"}],
        "medical": [{"resource": "EMS Medic 12", "location": "Plaza north",
                     "notes": "Mercy Hospital, 6 minutes."}],
        "demobilization": "Units released by the incident commander after the last block "
                          "reopens.",
    })
    return content


@pytest.fixture
def approved(app, make_event, make_user):
    planner = make_user(Role.PLANNER)
    boss = make_user(Role.LEADERSHIP, name="Chief Okafor")
    event = make_event(actor=planner, title="Spring march for housing")
    draft = make_version(event, planner, number=1, sections=plan_sections(),
                         map_geojson=MAP)
    attachments.add(planner, draft, attachments.Upload("permit", "City permit 2026-114", PDF),
                    storage.for_app(app), NOW)
    draft.status = "submitted"
    db.session.commit()
    version = make_version(event, planner, number=2, status="approved",
                           sections=plan_sections(), map_geojson=MAP, approver=boss, now=NOW)
    attachments.carry_forward(draft, version)
    db.session.commit()
    return version


def pdf_text(data: bytes, tmp_path) -> str:
    assert data.startswith(b"%PDF-")
    path = tmp_path / "iap.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,  # noqa: S603, S607
                            text=True, check=True)
    return result.stdout


def test_build_groups_assignments_one_per_unit(approved):
    document = iap.build(approved, NOW, "Demo Police Department")
    assert [u.unit for u in document.units] == ["Traffic unit 3", "Bike team 1"]
    assert [r["starts"] for r in document.units[0].rows] == ["08:30", "09:00"]
    assert document.approval.by == "Chief Okafor"
    assert [f.label for f in document.map_features] == ["March route", "Staging lot B"]
    assert [d.title for d in document.documents] == ["City permit 2026-114"]


def test_page_shows_every_section(client, make_user, approved):
    login(client, make_user(Role.LIAISON))
    page = client.get(f"/plans/versions/{approved.id}/iap").get_data(as_text=True)
    for text in ("Incident Action Plan", "ICS 202", "ICS 203", "ICS 204: Traffic unit 3",
                 "ICS 204: Bike team 1", "ICS 205", "ICS 206", "Chief Okafor", "f" * 64,
                 "March route", "<svg", "City permit 2026-114", "Download PDF"):
        assert text in page, text
    assert "NOT APPROVED" not in page
    assert "<style" not in page  # the browser page links its stylesheet (the CSP)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_reads_back_with_sections_and_approval(client, make_user, approved, tmp_path):
    reader = make_user(Role.PRIVACY_OFFICER)
    login(client, reader)
    response = client.get(f"/plans/versions/{approved.id}/iap.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = pdf_text(response.data, tmp_path)
    flat = " ".join(text.split())
    for expected in ("Incident Action Plan", "Spring march for housing",
                     "Approved by Chief Okafor", "Approval fingerprint",
                     "ICS 202 Incident objectives", RIGHTS_OBJECTIVE,
                     "ICS 203 Organization assignment list", "Lt. Alvarez",
                     "ICS 204: Traffic unit 3", "ICS 204: Bike team 1",
                     "ICS 205 Communications plan", "TAC-2", "ICS 206 Medical plan",
                     "EMS Medic 12", "Map", "March route", "Staging lot B",
                     "Demobilization", "Attached documents", "City permit 2026-114"):
        assert expected in flat, expected
    assert "f" * 64 in text.replace(" ", "").replace("\n", "")
    record = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
    assert (record.action, record.actor_id, record.object_id) == (
        "plan.iap.download", reader.id, str(approved.id))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_a_draft_prints_marked_not_approved(client, make_event, make_user, tmp_path):
    planner = make_user(Role.PLANNER)
    draft = make_version(make_event(actor=planner), planner, sections=plan_sections())
    login(client, planner)
    text = pdf_text(client.get(f"/plans/versions/{draft.id}/iap.pdf").data, tmp_path)
    assert "NOT APPROVED" in text and "Approved by" not in text


def test_the_pdf_fetches_nothing(approved, app, monkeypatch):
    """A link typed into a section is never fetched while the PDF is made."""
    fetched = []
    from weasyprint.urls import URLFetcher
    monkeypatch.setattr(URLFetcher, "open", lambda self, *a, **k: fetched.append(a))
    html = ('<html><body><img src="http://169.254.169.254/latest/meta-data">'
            '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://x.test/a.css">'
            'Plan</body></html>')
    assert iap.pdf(html).startswith(b"%PDF-")
    assert fetched == []


def test_anonymous_is_sent_to_sign_in(client, approved):
    for suffix in ("iap", "iap.pdf"):
        response = client.get(f"/plans/versions/{approved.id}/{suffix}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_version(client, make_user):
    login(client, make_user(Role.LEADERSHIP))
    assert client.get("/plans/versions/999/iap").status_code == 404
    assert client.get("/plans/versions/999/iap.pdf").status_code == 404

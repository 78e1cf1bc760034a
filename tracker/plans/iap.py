"""The Incident Action Plan: a plan version laid out as the ICS forms an incident
commander expects (cover with the approval, ICS 202 objectives, 203 organization, 204
assignments one per unit or post, 205 communications, 206 medical, the map, safety),
as one HTML page that the browser prints and WeasyPrint turns into the PDF.

`build()` gathers plain values from the records (templates run no queries);
`pdf()` renders the same HTML with nothing fetched (no network, no files)."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.audit import services as audit
from tracker.errors import Forbidden
from tracker.events.models import Event, PlanApproval
from tracker.plans import attachments, geo
from tracker.plans import sections as plan_sections
from tracker.plans.attachment_models import PlanAttachment
from tracker.plans.models import PlanVersion

READERS = (Role.PLANNER, Role.LEADERSHIP, Role.LIAISON, Role.PRIVACY_OFFICER, Role.ADMIN)
STATIC_FOLDER = Path(__file__).resolve().parent.parent / "static"

#: section name -> the IAP part it is printed in (in this order)
PARTS = (
    ("objectives", "ICS 202", "Incident objectives"),
    ("command", "ICS 203", "Organization assignment list"),
    ("assignments", "ICS 204", "Assignment list"),
    ("communications", "ICS 205", "Communications plan"),
    ("medical", "ICS 206", "Medical plan and safety message"),
    ("traffic", "", "Traffic and closures"),
    ("staging", "", "Staging areas"),
    ("contingencies", "", "Contingencies"),
    ("demobilization", "", "Demobilization"),
)


@dataclass(frozen=True)
class Part:
    name: str
    form: str
    title: str
    columns: list[tuple[str, str]]  # (name, label); empty for a text section
    rows: list[dict]
    text: str


@dataclass(frozen=True)
class UnitAssignment:
    """One ICS 204: a unit or post and its rows (location, time window, task)."""

    unit: str
    rows: list[dict]


@dataclass(frozen=True)
class Approval:
    by: str
    at: datetime
    fingerprint: str
    note: str


@dataclass(frozen=True)
class Document:
    title: str
    kind: str
    media_type: str
    size_bytes: int
    sha256: str


@dataclass
class Iap:
    event_title: str
    event_kind: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    agency: str
    version_number: int
    version_status: str
    content_hash: str
    approval: Approval | None
    prepared_at: datetime
    parts: list[Part] = field(default_factory=list)
    units: list[UnitAssignment] = field(default_factory=list)
    map_features: list[geo.Feature] = field(default_factory=list)
    map_svg: Markup = field(default_factory=Markup)
    documents: list[Document] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return self.approval is not None

    def part(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)


def require_reader(actor: User) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden("Your role cannot read the operations plan.")


def _approval(version: PlanVersion) -> Approval | None:
    record: PlanApproval | None = version.approval
    if record is None or version.status != "approved":
        return None
    by = record.approved_by.display_name if record.approved_by else "unknown"
    return Approval(by, record.approved_at, record.fingerprint, record.note or "")


def _parts(stored: dict) -> list[Part]:
    parts = []
    for name, form, title in PARTS:
        section = plan_sections.BY_NAME.get(name)
        if section is None:
            continue
        value = stored.get(name)
        if section.has_rows:
            rows = [r for r in (value or []) if isinstance(r, dict)]
            columns = [(c.name, c.label) for c in section.columns]
            parts.append(Part(name, form or section.form, title, columns, rows, ""))
        else:
            parts.append(Part(name, form or section.form, title, [], [],
                              value if isinstance(value, str) else ""))
    return parts


def _units(rows: list[dict]) -> list[UnitAssignment]:
    """ICS 204 is one form per unit or post: the assignment rows grouped by unit, in the
    order the units first appear, each unit's rows by start time."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault((row.get("unit") or "").strip() or "Unassigned", []).append(row)
    return [UnitAssignment(unit, sorted(items, key=lambda r: r.get("starts") or ""))
            for unit, items in grouped.items()]


def _documents(rows: list[PlanAttachment]) -> list[Document]:
    return [Document(r.title, r.kind_label, r.media_type, r.size_bytes, r.sha256)
            for r in rows]


def build(version: PlanVersion, now: datetime, agency: str) -> Iap:
    event: Event = version.plan.event
    stored = version.sections if isinstance(version.sections, dict) else {}
    parts = _parts(stored)
    assignments = next((p.rows for p in parts if p.name == "assignments"), [])
    return Iap(
        event_title=event.title, event_kind=getattr(event, "kind_label", event.kind),
        venue=event.venue or "", starts_at=event.starts_at, ends_at=event.ends_at,
        agency=agency, version_number=version.number, version_status=version.status,
        content_hash=version.content_hash, approval=_approval(version), prepared_at=now,
        parts=parts, units=_units(assignments),
        map_features=geo.features(version.map_geojson),
        map_svg=geo.svg(version.map_geojson, title=f"Map of {event.title}"),
        documents=_documents(attachments.for_version(version.id)))


def record_download(actor: User, version: PlanVersion, now: datetime) -> None:
    """The PDF leaves the tracker: audited as a disclosure."""
    require_reader(actor)
    audit.record(actor, "plan.iap.download", "plan_version", version.id, now=now,
                 changes={"event_id": version.plan.event_id, "number": version.number,
                          "status": version.status, "content_hash": version.content_hash})


def stylesheet() -> str:
    """The IAP's stylesheet, placed inside the page handed to WeasyPrint."""
    return (STATIC_FOLDER / "css" / "iap.css").read_text(encoding="utf-8")


def pdf(html: str) -> bytes:
    """The PDF of the IAP page, rendered with nothing fetched: the page for the PDF
    carries its stylesheet and its map drawing inside it, and any other reference (a
    link typed into a field, say) is refused, never looked up on the network or on
    disk."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NothingFetched(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError("the Incident Action Plan fetches nothing")

    return HTML(string=html, base_url="about:blank",
                url_fetcher=NothingFetched()).write_pdf()

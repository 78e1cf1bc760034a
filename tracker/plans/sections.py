"""The sections of an operations plan, modelled on the ICS forms and adapted to facilitating
a lawful assembly: what each holds, how it is checked, and how it reads as lines of text
(for the plan page, the comparison of versions and the printed plan).

A section is either rows (a table: assignments, channels, ...) or one text. Everything
names agency positions, units, posts and staff, never participants.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from tracker import inputs
from tracker.errors import ValidationError

#: The first objective of every plan (ICS 202 for a First Amendment-protected event).
RIGHTS_OBJECTIVE = ("Protect the exercise of the rights of free speech and peaceful "
                    "assembly, and facilitate the lawful event.")

TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CELL_MAX = 300
LONG_CELL_MAX = 2000
TEXT_MAX = 5000
ROWS_MAX = 100


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    limit: int = CELL_MAX
    required: bool = False
    time: bool = False  # HH:MM, agency local time on the day of the event
    long: bool = False  # a multi-line cell


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    form: str  # the ICS form it follows
    hint: str
    columns: tuple[Column, ...] = ()  # empty: one text

    @property
    def has_rows(self) -> bool:
        return bool(self.columns)


SECTIONS: tuple[Section, ...] = (
    Section("objectives", "Objectives", "ICS 202",
            "The first objective is always to protect the exercise of the rights. Add the "
            "others: public safety, traffic, communication with the organizers ...",
            (Column("text", "Objective", LONG_CELL_MAX, required=True, long=True),)),
    Section("command", "Command and staffing", "ICS 203",
            "Agency positions and who fills them: a unit or a staff member's name. "
            "Never participants or organizers.",
            (Column("position", "Position", required=True),
             Column("assigned", "Agency unit or staff", required=True))),
    Section("assignments", "Assignments", "ICS 204",
            "One row per unit or post: where, when (local time) and what it does.",
            (Column("unit", "Unit or post", required=True),
             Column("location", "Location", required=True),
             Column("starts", "From (HH:MM)", 5, required=True, time=True),
             Column("ends", "Until (HH:MM)", 5, required=True, time=True),
             Column("task", "Task", LONG_CELL_MAX, required=True, long=True))),
    Section("communications", "Communications", "ICS 205",
            "Radio channels and talk groups, what each is for and who uses it.",
            (Column("channel", "Channel or talk group", required=True),
             Column("function", "Function", required=True),
             Column("users", "Used by"))),
    Section("medical", "Medical and safety", "ICS 206 / 208",
            "First aid points, EMS and hospitals, and the safety message for personnel.",
            (Column("resource", "Resource", required=True),
             Column("location", "Location", required=True),
             Column("notes", "Notes", LONG_CELL_MAX, long=True))),
    Section("traffic", "Traffic and closures", "",
            "Road closures, detours and parking restrictions, with their times.",
            (Column("location", "Street or area", required=True),
             Column("measure", "Closure or measure", required=True),
             Column("starts", "From (HH:MM)", 5, time=True),
             Column("ends", "Until (HH:MM)", 5, time=True))),
    Section("staging", "Staging areas", "",
            "Where units assemble and wait, and what for.",
            (Column("name", "Name", required=True),
             Column("location", "Location", required=True),
             Column("purpose", "Purpose"))),
    Section("contingencies", "Contingencies", "",
            "What the agency does if: weather, a medical emergency, a counter-event, "
            "a route change. Conduct, never identity or views.",
            (Column("situation", "If", required=True, long=True, limit=LONG_CELL_MAX),
             Column("response", "Then", required=True, long=True, limit=LONG_CELL_MAX))),
    Section("demobilization", "Demobilization", "",
            "How and when the operation winds down, roads reopen and units are released."),
)
BY_NAME = {s.name: s for s in SECTIONS}


def empty() -> dict:
    return {s.name: ([] if s.has_rows else "") for s in SECTIONS}


def with_rights_objective(rows: list[dict]) -> list[dict]:
    """The objectives with the rights objective first, whatever was given."""
    others = [r for r in rows if r.get("text") != RIGHTS_OBJECTIVE]
    return [{"text": RIGHTS_OBJECTIVE}, *others]


def _cell(section: Section, column: Column, number: int, raw) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    where = f"{section.title}, row {number}, {column.label.lower()}"
    field = f"{section.name}-{number - 1}-{column.name}"
    problem = inputs.text_problem(value, single_line=not column.long)
    if problem:
        raise ValidationError(field, f"{where}: {problem}")
    if column.time and value and not TIME_PATTERN.match(value):
        raise ValidationError(field, f"{where}: enter a time as HH:MM (24-hour).")
    if len(value) > column.limit:
        raise ValidationError(field, f"{where}: use at most {column.limit:,} characters.")
    return value


def _clean_rows(section: Section, rows) -> list[dict]:
    if not isinstance(rows, list):
        raise ValidationError(section.name, f"{section.title}: expected rows.")
    cleaned = []
    for number, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        values = {c.name: _cell(section, c, number, row.get(c.name)) for c in section.columns}
        if not any(values.values()):
            continue  # a blank row is no row
        for column in section.columns:
            if column.required and not values[column.name]:
                raise ValidationError(
                    f"{section.name}-{number - 1}-{column.name}",
                    f"{section.title}, row {number}: enter the {column.label.lower()}.")
        times = [c.name for c in section.columns if c.time]
        if len(times) == 2 and values[times[0]] and values[times[0]] == values[times[1]]:
            raise ValidationError(f"{section.name}-{number - 1}-{times[1]}",
                                  f"{section.title}, row {number}: the time window is empty.")
        cleaned.append(values)
    if len(cleaned) > ROWS_MAX:
        raise ValidationError(section.name, f"{section.title}: at most {ROWS_MAX} rows.")
    return cleaned


def clean(raw: dict) -> dict:
    """Checked, trimmed sections in the stored shape; a ValidationError names the cell."""
    raw = raw if isinstance(raw, dict) else {}
    result = {}
    for section in SECTIONS:
        value = raw.get(section.name)
        if section.has_rows:
            result[section.name] = _clean_rows(section, value if value is not None else [])
        else:
            text = value.strip() if isinstance(value, str) else ""
            problem = inputs.text_problem(text, single_line=False)
            if problem:
                raise ValidationError(section.name, f"{section.title}: {problem}")
            if len(text) > TEXT_MAX:
                raise ValidationError(section.name,
                                      f"{section.title}: use at most {TEXT_MAX:,} characters.")
            result[section.name] = text
    result["objectives"] = with_rights_objective(result["objectives"])
    return result


def content_hash(sections: dict, map_geojson: str | None) -> str:
    canonical = json.dumps({"sections": sections, "map": map_geojson}, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---- reading -----------------------------------------------------------------------


def row_text(section: Section, row: dict) -> str:
    """One row as a line: "Unit: Bike team; Location: ...; From: 10:00; ..."."""
    parts = []
    for column in section.columns:
        value = row.get(column.name, "")
        if value:
            label = column.label.split(" (")[0]
            parts.append(f"{label}: {value}")
    return "; ".join(parts)


def render_lines(sections: dict) -> list[tuple[str, list[str]]]:
    """Each section's title and its lines of text, in order (the comparison's input)."""
    out = []
    for section in SECTIONS:
        value = sections.get(section.name)
        if section.has_rows:
            lines = [f"{n}. {row_text(section, row)}" for n, row in enumerate(value or [], 1)]
        else:
            lines = [line for line in (value or "").splitlines() if line.strip()]
        out.append((section.title, lines))
    return out


def row_count(sections: dict, name: str) -> int:
    value = sections.get(name)
    return len(value) if isinstance(value, list) else 0

"""Audit records in words for people: names instead of ids, labels instead of codes,
local times with the zone. The raw values stay available beside them (the page shows
them in a <details>, the CSV export in its own columns), so nothing is hidden.

Names are looked up once per page (one query for users, one for events), never per row.
"""

import csv
import io
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from tracker.accounts.models import User
from tracker.audit.models import AuditRecord
from tracker.events.models import Event
from tracker.extensions import db
from tracker.outreach.export import neutralise
from tracker.timezones import format_local

TIME_FORMAT = "%a %-d %b %Y, %H:%M:%S"

ACTIONS = {
    "access.denied": "Refused a request",
    "audit.export": "Exported the audit trail",
    "audit.key_rotate": "Rotated the audit signing key",
    "audit.read": "Read the audit trail",
    "audit.reanchor": "Re-anchored the audit trail",
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.recovery_code_used": "Used a recovery code",
    "auth.session_end": "Session ended",
    "backup.create": "Made a backup",
    "backup.restore": "Restored a backup",
    "calendar.download": "Downloaded a calendar file",
    "calendar.feed_create": "Created a calendar feed",
    "calendar.feed_fetch": "Calendar feed fetched",
    "calendar.feed_regenerate": "Replaced a calendar feed address",
    "calendar.feed_revoke": "Revoked a calendar feed",
    "checklist.answer": "Answered a checklist item",
    "checklist.create": "Created the event's checklist",
    "checklist_template.publish": "Published a checklist template version",
    "event.approve": "Approved the plan",
    "event.changed_in_progress": "Changed an event in progress",
    "event.create": "Recorded an event",
    "event.delete": "Deleted a draft event",
    "event.plan_reopened": "Plan returned to planning by a change",
    "event.status_change": "Changed an event's status",
    "event.update": "Edited an event",
    "inbox.read": "Read an inbox message",
    "inbox.read_all": "Marked all inbox messages read",
    "notice.create": "Sent a notice",
    "outreach.create": "Logged an outreach contact",
    "outreach.export": "Exported an outreach log",
    "outreach.follow_up_done": "Marked a follow-up done",
    "outreach.purge": "Purged personal details",
    "outreach.update": "Edited an outreach contact",
    "outreach.view_personal": "Viewed personal details",
    "red_flag.decide": "Decided a red-flag review",
    "red_flag.open": "Opened a red-flag review",
    "reminder.retry": "Retried a reminder",
    "reminders.event_offsets": "Changed an event's reminder times",
    "reminders.preferences": "Changed reminder settings",
    "retention.hold": "Placed a retention hold",
    "retention.release": "Released a retention hold",
    "retention.scrub": "Scrubbed deleted data from storage",
    "retention.scrub_blocked": "Storage scrub held back",
    "scheduler.start": "Scheduler started",
    "user.create": "Created a user",
    "user.update": "Edited a user",
    "user.disable_inactive": "Deactivated an inactive user",
    "user.lock": "Locked a user after failed sign-ins",
    "user.mfa_enrol": "Enrolled a second factor",
    "user.mfa_reset": "Reset a second factor",
    "user.password_change": "Changed a password",
    "user.recovery_codes_regenerate": "Made new recovery codes",
    "user.unlock": "Unlocked a user",
}

OBJECT_TYPES = {
    "audit_trail": "Audit trail", "calendar_feed": "Calendar feed",
    "checklist_entry": "Checklist answer", "checklist_template": "Checklist template",
    "event": "Event", "inbox_message": "Inbox message", "notice": "Notice",
    "outreach_contact": "Outreach contact", "red_flag_review": "Red-flag review",
    "reminder": "Reminder", "user": "User",
}

OUTCOMES = {"success": "Succeeded", "failure": "Failed", "denied": "Refused"}

# Fields in `changes` that hold a user's id, or a list of events' ids.
USER_FIELDS = {"planner_id", "liaison_id", "user_id", "answered_by_id", "decided_by_id",
               "officer_id", "responder_id"}
EVENT_FIELDS = {"event_id", "related_ids", "counter_ids"}

FIELD_LABELS = {
    "starts_at": "Start", "ends_at": "End", "attendance_low": "Attendance (low)",
    "attendance_high": "Attendance (high)", "permit_status": "Permit status",
    "information_source": "How the agency learned of it", "not_modified": "Not modified",
    "related_ids": "Related events", "counter_ids": "Counter-events",
}


def action_label(code: str) -> str:
    return ACTIONS.get(code) or _words(code.replace(".", " "))


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name.endswith("_id"):
        name = name[:-3]
    return _words(name)


def _words(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass
class Link:
    text: str
    endpoint: str | None = None
    values: dict = field(default_factory=dict)


@dataclass
class Change:
    label: str
    text: str


@dataclass
class Row:
    record: AuditRecord
    when: str
    actor: str
    action: str
    target: Link | None
    outcome: str
    changes: list[Change]
    raw_changes: str


class Names:
    """Users' and events' names for one page of records, looked up in two queries."""

    def __init__(self, records: list[AuditRecord]):
        user_ids, event_ids = set(), set()
        for r in records:
            if r.actor_id:
                user_ids.add(r.actor_id)
            if r.object_id and r.object_id.isdigit():
                (user_ids if r.object_type == "user" else
                 event_ids if r.object_type == "event" else set()).add(int(r.object_id))
            for name, change in (r.changes or {}).items():
                target = user_ids if name in USER_FIELDS else (
                    event_ids if name in EVENT_FIELDS else None)
                if target is not None and isinstance(change, dict):
                    for value in (change.get("from"), change.get("to")):
                        target.update(_ids(value))
        self.users = dict(db.session.execute(
            select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) \
            if user_ids else {}
        self.events = dict(db.session.execute(
            select(Event.id, Event.title).where(Event.id.in_(event_ids))).all()) \
            if event_ids else {}

    def user(self, user_id: int) -> str:
        return self.users.get(user_id, f"user {user_id} (no longer held)")

    def event(self, event_id: int) -> str:
        title = self.events.get(event_id)
        return f"{title} (event {event_id})" if title else f"event {event_id} (no longer held)"


def _ids(value) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _value(name: str, value, names: Names) -> str:
    if value is None or value == [] or value == "":
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in USER_FIELDS:
        return ", ".join(names.user(i) for i in _ids(value)) or str(value)
    if name in EVENT_FIELDS:
        return ", ".join(names.event(i) for i in _ids(value)) or str(value)
    if isinstance(value, list):
        return ", ".join(_words(str(v)) for v in value)
    if isinstance(value, str):
        return _words(value) if value.replace("_", "").isalpha() else value
    return str(value)


def _changes(changes: dict | None, names: Names) -> list[Change]:
    out = []
    for name, change in sorted((changes or {}).items()):
        label = field_label(name)
        if isinstance(change, dict) and set(change) <= {"from", "to"}:
            text = (f"{_value(name, change.get('from'), names)} → "
                    f"{_value(name, change.get('to'), names)}")
        elif change == "changed":
            text = "changed (the text itself is not kept here)"
        else:
            text = _value(name, change, names)
        out.append(Change(label, text))
    return out


def _target(r: AuditRecord, names: Names, can_see_users: bool) -> Link | None:
    if r.object_id is None:
        return None
    kind = OBJECT_TYPES.get(r.object_type) or _words(r.object_type)
    if r.object_id.isdigit():
        number = int(r.object_id)
        if r.object_type == "event":
            if number in names.events:
                return Link(names.event(number), "events.detail", {"event_id": number})
            return Link(names.event(number))
        if r.object_type == "user":
            if number in names.users and can_see_users:
                return Link(f"User {names.user(number)}", "accounts.user_edit",
                            {"user_id": number})
            return Link(f"User {names.user(number)}")
    return Link(f"{kind} {r.object_id}")


def present(records: list[AuditRecord], can_see_users: bool = False) -> list[Row]:
    names = Names(records)
    rows = []
    for r in records:
        actor = names.users.get(r.actor_id) if r.actor_id else None
        rows.append(Row(
            record=r, when=format_local(r.at, TIME_FORMAT),
            actor=actor or ("The tracker" if r.actor_label in ("system", "scheduler")
                            else r.actor_label),
            action=action_label(r.action), target=_target(r, names, can_see_users),
            outcome=OUTCOMES.get(r.outcome, r.outcome), changes=_changes(r.changes, names),
            raw_changes=json.dumps(r.changes, sort_keys=True, indent=1) if r.changes else ""))
    return rows


CSV_HEADER = ["When (local)", "When (UTC)", "Actor", "Actor id", "Action", "Action code",
              "Object", "Object type", "Object id", "Outcome", "Changes", "Changes (raw)",
              "Source address", "Request id"]


def to_csv(records: list[AuditRecord]) -> str:
    """The filtered trail for a spreadsheet: every cell neutralised as the outreach export
    does, so a value typed by someone cannot run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for row in present(records):
        r = row.record
        writer.writerow([neutralise(v) for v in (
            row.when, r.at.isoformat(), row.actor, r.actor_id or "", row.action, r.action,
            row.target.text if row.target else "", r.object_type, r.object_id or "",
            row.outcome, "; ".join(f"{c.label}: {c.text}" for c in row.changes),
            json.dumps(r.changes, sort_keys=True) if r.changes else "",
            r.source_address, r.request_id)])
    return buffer.getvalue()

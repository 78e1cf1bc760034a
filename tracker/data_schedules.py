"""How long each column's values are kept: the records schedule of every column the data
inventory (tracker/data_inventory.py) lists, for the retention page and the purge of the
event record's own text (tracker/records/schedules.py)."""

from tracker.data_inventory import INVENTORY, A, P, S

# The records schedule of each column (SECURITY.md P-5, 28 CFR 23.20(h)). Free text of
# the event record is reviewed RECORDS_REVIEW_YEARS after the event: kept with a reason
# and a new date, or erased (tracker/records/schedules.py, SCHEDULED_TEXT). Outreach
# personal details are erased OUTREACH_RETENTION_DAYS after the event. The audit trail is
# kept at least a year. Everything else is kept with the record it belongs to.
SCHEDULE_EVENT_TEXT = "records schedule: reviewed five years after the event, kept or erased"
SCHEDULE_OUTREACH = "erased after the event (outreach retention days) unless on hold"
SCHEDULE_REGISTER = "disposition due by category (register), and the records schedule"
SCHEDULE_AUDIT = "kept at least one year, after any purge (CJIS AU-11)"
SCHEDULE_STAFF = "kept while the account exists"
SCHEDULE_RECORD = "kept with its record"
SCHEDULED_TEXT: dict[str, tuple[str, ...]] = {
    "event": ("route_description", "permit_conditions", "organizing_group",
              "logistics_notes"),
    "event_status_change": ("note",),
    "plan_approval": ("content",),
    "event_material_change": ("changes",),
    "checklist_entry": ("justification",),
    "checklist_answer": ("justification",),
    "red_flag_review": ("decision_note",),
    "product_version": ("title", "body", "recipients", "caveats", "review_note"),
    "register_item": ("description", "purpose", "keep_justification"),
    "online_authorization": ("purpose", "leadership_note", "privacy_note"),
}


def schedule_of(table: str, column: str) -> str:
    """The records schedule a column's values follow."""
    if column in SCHEDULED_TEXT.get(table, ()):
        return SCHEDULE_EVENT_TEXT
    kind = INVENTORY[table][column][0]
    if kind == P:
        return SCHEDULE_OUTREACH
    if table == "register_item":
        return SCHEDULE_REGISTER
    if kind == A:
        return SCHEDULE_AUDIT
    if kind == S and table in {"user", "user_role", "recovery_code", "sign_in_failure",
                               "user_session"}:
        return SCHEDULE_STAFF
    return SCHEDULE_RECORD


def schedules() -> list[tuple[str, str, str]]:
    """(table, column, schedule) for every listed column, for the retention page."""
    return [(table, column, schedule_of(table, column))
            for table, columns in INVENTORY.items() for column in columns]

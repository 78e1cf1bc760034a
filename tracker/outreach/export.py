"""CSV export of one event's outreach log, safe to open in a spreadsheet."""

import csv
import io

from tracker.outreach.models import OutreachContact
from tracker.timezones import format_local

# A cell starting with one of these is read as a formula by spreadsheet programs
# (CWE-1236): prefix it with an apostrophe so it is shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

HEADER = ["Date and time", "Method", "Purpose", "Organization", "Contact name", "Phone",
          "Email", "Summary", "Outcome", "Follow-up on", "Follow-up done", "Officer",
          "Personal details purged"]


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(contacts: list[OutreachContact]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    for c in contacts:
        writer.writerow([neutralise(v) for v in (
            format_local(c.contacted_at), c.method_label, c.purpose_label, c.organization,
            c.person_name, c.person_phone, c.person_email, c.summary, c.outcome,
            c.follow_up_on.isoformat() if c.follow_up_on else "",
            format_local(c.follow_up_done_at), c.officer.display_name,
            format_local(c.personal_purged_at))])
    return buffer.getvalue()

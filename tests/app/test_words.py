"""Words a person reads: no "None" where a value is not set."""

import re

from sqlalchemy import select

from tracker.accounts.roles import Role
from tracker.checklist.models import ChecklistEntry, EventChecklist
from tracker.extensions import db
from tracker.reminders.compose import compose
from tracker.reminders.mail import settings_from_config
from tracker.reminders.models import Reminder, ReminderKind


def _entries(event_id: int) -> list[ChecklistEntry]:
    return list(db.session.scalars(select(ChecklistEntry).join(EventChecklist).where(
        EventChecklist.event_id == event_id)))


def test_checklist_without_a_due_date_says_so(client, login_as, make_event):
    planner = login_as(Role.PLANNER)
    event = make_event(planner)
    entry = next(e for e in _entries(event.id) if not e.answered)
    entry.due_at = None
    db.session.commit()
    page = client.get(f"/events/{event.id}/checklist").get_data(as_text=True)
    assert "No due date" in page
    assert not re.search(r">\s*None\s*<", page)


def test_template_page_has_words_for_empty_cells(client, login_as, make_event):
    make_event()
    login_as(Role.ADMIN)
    page = client.get("/admin/checklist/").get_data(as_text=True)
    assert not re.search(r">\s*(None|—)\s*<", page)
    assert "No red flag" in page


def test_reminder_mail_for_an_item_without_a_due_date(app, make_event):
    event = make_event()
    entry = next(e for e in _entries(event.id) if not e.answered)
    entry.due_at = None
    db.session.commit()
    composed = compose(Reminder(kind=ReminderKind.CHECKLIST_DUE.value, object_id=entry.id),
                       settings_from_config().content)
    assert composed.lines[0].startswith("Due (no due date set): ")
    assert "None" not in "\n".join(composed.lines)

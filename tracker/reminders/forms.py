"""Reminder settings forms."""

from wtforms import SelectField, StringField
from wtforms.validators import Length

from tracker.forms import Form
from tracker.reminders.models import Channel, ReminderKind

CHANNEL_CHOICES = [(c.value, c.label) for c in Channel]


class PreferencesForm(Form):
    event_offsets = StringField(
        "Days before an event to remind me", validators=[Length(max=40)],
        description="Whole days, separated by commas, e.g. 7, 1. Leave empty for the "
                    "agency's default.")


for _kind in ReminderKind:
    setattr(PreferencesForm, _kind.value, SelectField(_kind.label, choices=CHANNEL_CHOICES))


class EventOffsetsForm(Form):
    offsets = StringField(
        "Days before the start to remind the planner and liaison",
        validators=[Length(max=40)],
        description="e.g. 14, 7, 1. Leave empty to use each person's own setting.")

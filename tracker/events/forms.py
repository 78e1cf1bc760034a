"""Forms for recording events, filtering the list and changing status."""

from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.conflicts import VersionedForm
from tracker.errors import ValidationError
from tracker.events import rules
from tracker.events.models import (
    EventKind,
    EventStatus,
    InformationSource,
    PermitStatus,
)
from tracker.forms import Form
from tracker.labels import choices
from tracker.once import SubmitOnceForm

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class EventForm(VersionedForm, SubmitOnceForm, Form):
    """Times are entered as wall-clock time in the agency's zone; the view converts.
    An edit carries the event's version, a new event a one-time token."""

    title = StringField("Title", validators=[
        DataRequired("Enter a title."), Length(max=rules.TITLE_MAX)])
    kind = SelectField("Kind of event", choices=choices(EventKind),
                       validators=[InputRequired("Choose the kind of event.")])
    starts_at = DateTimeLocalField("Starts", format=DATETIME_FORMAT, validators=[
        InputRequired("Enter the start date and time.")])
    ends_at = DateTimeLocalField("Ends", format=DATETIME_FORMAT, validators=[
        InputRequired("Enter the end date and time.")])
    venue = StringField("Venue or address", validators=[
        DataRequired("Enter the venue or address."), Length(max=rules.VENUE_MAX)])
    route_description = TextAreaField("Route description", validators=[
        Length(max=rules.LONG_TEXT_MAX)], description="For marches and parades: start, "
        "route and end point.")
    attendance_low = IntegerField("Expected attendance, low estimate", validators=[
        Optional(), NumberRange(min=0, max=rules.ATTENDANCE_MAX)])
    attendance_high = IntegerField("Expected attendance, high estimate", validators=[
        Optional(), NumberRange(min=0, max=rules.ATTENDANCE_MAX)])
    permit_status = SelectField("Permit status", choices=choices(PermitStatus))
    permit_reference = StringField("Permit reference", validators=[
        Length(max=rules.REFERENCE_MAX)])
    permit_conditions = TextAreaField("Permit conditions", validators=[
        Length(max=rules.LONG_TEXT_MAX)])
    information_source = SelectField(
        "How the agency learned of the event", choices=choices(InformationSource))
    organizing_group = StringField(
        "Organizing group (optional)", validators=[Length(max=rules.SHORT_TEXT_MAX)],
        description="Only the name the group uses publicly, as on a permit or announcement.")
    planner_id = SelectField("Assigned planner", coerce=_optional_int)
    liaison_id = SelectField("Assigned liaison officer", coerce=_optional_int)
    related_ids = SelectMultipleField(
        "Related events and counter-events", coerce=int,
        description="Hold Ctrl (Cmd on a Mac) to choose several.")
    logistics_notes = TextAreaField("Logistics notes", validators=[
        Length(max=rules.LONG_TEXT_MAX)], description="Traffic, crowd management, EMS, "
        "public works, weather. Record logistics only: never anyone's views or beliefs.")

    def validate_ends_at(self, field):
        _as_field_error(rules.check_times, self.starts_at.data, field.data)

    def validate_attendance_high(self, field):
        _as_field_error(rules.check_attendance, self.attendance_low.data, field.data)


def _as_field_error(check, *args):
    try:
        check(*args)
    except ValidationError as err:
        raise FieldError(err.message) from err


class EventFilterForm(Form):
    """Read from the query string; no CSRF because it changes nothing."""

    class Meta:
        csrf = False

    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    kind = SelectField("Kind", choices=[("", "Any kind"), *choices(EventKind)],
                       validators=[Optional()])
    status = SelectField("Status", choices=[("", "Any status"), *choices(EventStatus)],
                         validators=[Optional()])
    mine = SelectField("Assigned", choices=[("", "Anyone"), ("1", "Assigned to me")],
                       validators=[Optional()])

    def validate_until(self, field):
        if self.since.data and field.data and field.data < self.since.data:
            raise FieldError("The end of the range must not be before its start.")


class TransitionForm(Form):
    target = HiddenField(validators=[DataRequired()])
    note = TextAreaField("Note (optional)", validators=[Length(max=rules.LONG_TEXT_MAX)])


class CancelForm(Form):
    reason = TextAreaField("Why is the event cancelled?", validators=[
        DataRequired("Say why the event is cancelled."), Length(max=rules.LONG_TEXT_MAX)],
        description="Recorded in the status history and sent to the assigned staff and "
                    "leadership. Cancelling is final: the record can no longer be edited.")

"""Filters for browsing the audit trail."""

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms import ValidationError as FieldError
from wtforms.validators import Length, NumberRange, Optional

from tracker.forms import Form
from tracker.inputs import ID_MAX


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # read from the query string; changes nothing

    actor = SelectField("Actor", validators=[Optional()])
    action = SelectField("Action", validators=[Optional()])
    event = IntegerField(
        "Event number", description="The number at the end of the event page's address; "
        "shows the event's own records, its checklist answers, reviews and outreach.",
        validators=[Optional(), NumberRange(min=1, max=ID_MAX,
                                            message="Enter an event number from the "
                                            "event page's address.")])
    object_type = SelectField("Object type", validators=[Optional()])
    object_id = StringField("Object id", validators=[Optional(), Length(max=40)])
    outcome = SelectField("Outcome", choices=[
        ("", "Any outcome"), ("success", "Success"), ("failure", "Failure"),
        ("denied", "Denied")], validators=[Optional()])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def validate_until(self, field):
        if self.since.data and field.data and field.data < self.since.data:
            raise FieldError("The end of the range must not be before its start.")

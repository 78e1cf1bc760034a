"""Forms for social-media and open-source authorizations."""

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from tracker.accounts.forms import MultiCheckboxField
from tracker.conflicts import VersionedForm
from tracker.forms import Form
from tracker.once import SubmitOnceForm
from tracker.records.authorization_models import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    PLATFORM_LABELS,
)


class RequestForm(SubmitOnceForm, Form):
    level = SelectField("Level of engagement", choices=list(LEVEL_LABELS.items()))
    purpose = TextAreaField("Purpose", validators=[Length(max=2000)], description=(
        "What the work is for: event logistics and public safety. Never to list "
        "participants or record their views."))
    predicate_reference = StringField(
        "Criminal predicate (case or report number)", validators=[Length(max=120)],
        description="Required for monitoring and above.")
    platforms = MultiCheckboxField("Kinds of platform", choices=list(PLATFORM_LABELS.items()))
    starts_on = DateField("First day", validators=[Optional()])
    ends_on = DateField("Last day", validators=[Optional()],
                        description="The authorization lapses by itself after this day.")


class DecisionForm(VersionedForm, SubmitOnceForm, Form):
    decision = RadioField("Decision", choices=[("agree", "Agree"), ("decline", "Decline")],
                          validators=[InputRequired("Choose a decision.")])
    note = TextAreaField("Note", validators=[Length(max=2000)],
                         description="Required when declining.")


class WorkForm(SubmitOnceForm, Form):
    worked_on = DateField("Date of the work", validators=[Optional()])
    platform = SelectField("Kind of platform", choices=list(PLATFORM_LABELS.items()))
    categories = MultiCheckboxField("What was looked at", choices=list(CATEGORY_LABELS.items()),
                                    description="Categories only: never names or accounts.")

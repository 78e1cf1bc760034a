"""The form for a new feed link."""

from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.calendar.feeds import NAME_MAX
from tracker.events.models import EventKind, EventStatus
from tracker.forms import Form
from tracker.labels import choices
from tracker.once import SubmitOnceForm


class FeedForm(SubmitOnceForm, Form):
    """Carries a one-time token: a repeated submit makes no second feed."""

    name = StringField("Name", validators=[DataRequired("Give the feed a name."),
                                           Length(max=NAME_MAX)],
                       description="For you, e.g. \u201cApproved events\u201d.")
    kind = SelectField("Kind of event", choices=[("", "All kinds"), *choices(EventKind)],
                       validators=[Optional()])
    status = SelectField("Status", choices=[("", "Any status"), *choices(EventStatus)],
                         validators=[Optional()])
    assigned_to_owner = BooleanField("Only events assigned to me")
    include_cancelled = BooleanField(
        "Include cancelled events", default=True,
        description="Recommended: cancelled events stay in the feed for a while, marked "
                    "cancelled, so your calendar removes or strikes them.")

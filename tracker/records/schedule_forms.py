"""Forms for the records-schedule decisions."""

from wtforms import DateField, TextAreaField
from wtforms.validators import Length, Optional

from tracker.conflicts import VersionedForm
from tracker.forms import Form


class KeepForm(VersionedForm, Form):
    reason = TextAreaField("Reason to keep the text", validators=[Length(max=2000)],
                           description="For example a criminal case it still bears on, or a "
                                       "litigation hold, with its reference.")
    review_on = DateField("Next review on", validators=[Optional()],
                          description="At most five years from today.")


class PurgeForm(VersionedForm, Form):
    """Confirms the purge; carries the schedule's version."""

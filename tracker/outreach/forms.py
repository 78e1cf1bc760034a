"""Forms for logging outreach contacts and placing retention holds."""

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.conflicts import VersionedForm
from tracker.forms import Form
from tracker.labels import choices
from tracker.once import SubmitOnceForm
from tracker.outreach.models import ContactMethod, ContactPurpose
from tracker.outreach.services import ORGANIZATION_MAX, TEXT_MAX


class ContactForm(VersionedForm, SubmitOnceForm, Form):
    """An edit carries the entry's version, a new entry a one-time token."""

    contacted_at = DateTimeLocalField("When", format="%Y-%m-%dT%H:%M", validators=[
        InputRequired("Enter when the contact took place.")])
    method = SelectField("How", choices=choices(ContactMethod))
    purpose = SelectField("Purpose", choices=choices(ContactPurpose))
    organization = StringField(
        "Organization (optional)", validators=[Length(max=ORGANIZATION_MAX)],
        description="As the organization names itself publicly.")
    person_name = StringField("Contact person's name", validators=[Length(max=120)])
    person_phone = StringField("Phone", validators=[Length(max=40)],
                               render_kw={"autocomplete": "off", "inputmode": "tel"})
    person_email = StringField("Email", validators=[Length(max=254)],
                               render_kw={"autocomplete": "off", "inputmode": "email"})
    consent = BooleanField("The person agreed that the agency keeps these details to stay "
                           "in touch about this event")
    summary = TextAreaField("Summary", validators=[Length(max=TEXT_MAX)], description=(
        "Logistics and safety only: route, timing, marshals, medical and emergency "
        "contacts, accessibility. Never record anyone's views, beliefs, affiliations or "
        "associations."))
    outcome = TextAreaField("Outcome", validators=[Length(max=TEXT_MAX)],
                            description="What was agreed or what happens next.")
    follow_up_on = DateField("Follow-up date (optional)", validators=[Optional()],
                             description="Becomes a task on your dashboard.")


class HoldForm(Form):
    reason = TextAreaField("Reason for the hold", validators=[
        DataRequired("Write the reason for the hold."), Length(max=2000)],
        description="For example a records request or litigation hold, with its reference.")
    expires_on = DateField("Hold expires on", validators=[InputRequired(
        "Enter the date the hold expires.")])

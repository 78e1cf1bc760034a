"""Forms of the records pages: a register item, its disposition, a keep decision and a
release to another agency."""

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from tracker.conflicts import VersionedForm
from tracker.forms import Form
from tracker.once import SubmitOnceForm
from tracker.records.models import ItemCategory, ReleaseKind, ReleaseMethod, label
from tracker.records.register import TEXT_MAX


def _choices(enum):
    return [(m.value, label(m.value)) for m in enum]


class ItemForm(SubmitOnceForm, Form):
    category = SelectField("Category", choices=_choices(ItemCategory))
    description = TextAreaField("Description", validators=[Length(max=TEXT_MAX)], description=(
        "What the item is, where it is kept and how many copies exist. Name no person "
        "unless a criminal predicate is recorded below; never anyone's views, beliefs, "
        "religion or associations."))
    source = StringField("Source", validators=[Length(max=200)],
                         description="Where it came from, e.g. a public post on a named "
                                     "platform, a partner agency, an officer's notes.")
    purpose = TextAreaField("Purpose", validators=[Length(max=TEXT_MAX)],
                            description="Why the agency holds it (logistics, safety, a "
                                        "criminal investigation).")
    concerns_individuals = BooleanField("The item concerns or identifies individuals")
    predicate_reference = StringField(
        "Criminal predicate: case or report number", validators=[Length(max=120)],
        description="Required when the item concerns individuals.")
    predicate_review_id = SelectField("Red-flag review of the predicate", coerce=str,
                                      choices=[], validate_choice=False)


class ItemEditForm(VersionedForm, ItemForm):
    """Correcting an item before its disposition: carries the item's version."""


class DestroyForm(VersionedForm, Form):
    destruction_method = StringField(
        "How it was destroyed", validators=[Length(max=200)],
        description="E.g. \u201cdeleted from the shared drive and the officer's phone; "
                    "paper notes shredded\u201d.")


class KeepForm(VersionedForm, Form):
    keep_schedule = StringField("Records schedule", validators=[Length(max=120)],
                                description="The schedule it is kept under, e.g. "
                                            "\u201cCriminal case file, schedule CR-7\u201d.")
    keep_justification = TextAreaField(
        "Justification", validators=[Length(max=TEXT_MAX)],
        description="Why it must be kept (a criminal case, a litigation hold, a records "
                    "request). A privacy officer approves it.")
    keep_until = DateField("Kept until", validators=[Optional()])


class DecisionForm(VersionedForm, Form):
    decision = RadioField("Decision", choices=[("approved", "Approve keeping it"),
                                               ("rejected", "Refuse: it needs another "
                                                            "disposition")],
                          validators=[InputRequired("Choose a decision.")])
    keep_decision_note = TextAreaField("Note", validators=[Length(max=TEXT_MAX)],
                                       description="Required when you refuse.")


class ReleaseForm(SubmitOnceForm, Form):
    what_kind = SelectField("What was released", choices=_choices(ReleaseKind))
    what_ref = StringField("Which", validators=[Length(max=200)],
                           description="A reference, e.g. \u201cregister items 2 and 3\u201d "
                                       "or \u201cpost-event summary of 3 Dec\u201d.")
    recipient_agency = StringField("Receiving agency", validators=[Length(max=200)])
    recipient_role = StringField("Receiving role or office", validators=[Length(max=120)],
                                 description="A role, not a person's name or address.")
    need_to_know = TextAreaField("Need to know and right to know",
                                 validators=[Length(max=2000)],
                                 description="The lawful duty the recipient needs it for.")
    authority = StringField("Authority", validators=[Length(max=200)],
                            description="The agreement, statute or policy that allows the "
                                        "release.")
    method = SelectField("How it was sent", choices=_choices(ReleaseMethod))
    released_at = DateTimeLocalField("When", format="%Y-%m-%dT%H:%M", validators=[
        InputRequired("Enter when it was released.")])

"""Forms for products: a draft, the privacy review, a release."""

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.conflicts import VersionedForm
from tracker.forms import Form
from tracker.once import SubmitOnceForm
from tracker.records.models import ReleaseMethod, label
from tracker.records.product_models import KIND_LABELS, REVIEW_QUESTIONS, ProductKind

YES_NO = [("yes", "Yes"), ("no", "No")]


class DraftForm(VersionedForm, SubmitOnceForm, Form):
    kind = SelectField("Kind of product",
                       choices=[(k.value, KIND_LABELS[k.value]) for k in ProductKind])
    title = StringField("Title", validators=[Length(max=200)])
    body = TextAreaField("Text", description=(
        "Facts about the event's logistics and safety, with sources and their reliability; "
        "keep assessment apart from fact. Never describe anyone's views, beliefs, religion "
        "or associations."))
    recipients = TextAreaField("Intended recipients", validators=[Length(max=2000)],
                               description="Agencies and roles with a need to know, never "
                                           "personal addresses.")
    caveats = TextAreaField("Handling caveats", validators=[Length(max=2000)],
                            description="For example: law enforcement sensitive, no further "
                                        "dissemination without the originator's consent.")


def _question_fields():
    return {col: RadioField(question, choices=YES_NO,
                            validators=[InputRequired("Answer this question.")])
            for col, question, _ok in REVIEW_QUESTIONS}


class ReviewForm(VersionedForm, SubmitOnceForm, Form):
    decision = RadioField("Decision", choices=[
        ("approved", "Approve for release"),
        ("returned", "Return with comments for revision"),
        ("rejected", "Reject: the product must not be released")],
        validators=[InputRequired("Choose a decision.")])
    note = TextAreaField("Comments", validators=[Length(max=4000)],
                         description="Required when returning or rejecting; shown to the "
                                     "writer.")


for _name, _field in _question_fields().items():
    setattr(ReviewForm, _name, _field)


class ReleaseForm(SubmitOnceForm, Form):
    recipient_agency = StringField("Receiving agency", validators=[Length(max=200)])
    recipient_role = StringField("Receiving role or office", validators=[Length(max=120)],
                                 description="A role, never a person's name or address.")
    need_to_know = TextAreaField("Need to know and right to know",
                                 validators=[Length(max=2000)])
    authority = StringField("Authority for the release", validators=[Length(max=200)],
                            description="The policy or agreement that allows it.")
    method = SelectField("How it is sent",
                         choices=[(m.value, label(m.value)) for m in ReleaseMethod])

"""Forms for answering a checklist step, deciding a review and editing the template."""

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.checklist.catalog import GUIDANCE_MAX, PROMPT_MAX, RESPONSIBLE_ROLES
from tracker.checklist.models import ResponseType, Stage, TemplateItem
from tracker.checklist.services import JUSTIFICATION_MAX, SHORT_TEXT_MAX
from tracker.conflicts import VersionedForm
from tracker.forms import Form
from tracker.once import SubmitOnceForm

YES_NO = [("yes", "Yes"), ("no", "No")]


def answer_form(item: TemplateItem, **kwargs) -> Form:
    """A form whose `value` field fits the item's response type; it carries the version
    of the answer it replaces."""

    class AnswerForm(VersionedForm, Form):
        justification = TextAreaField(
            "Justification", validators=[Length(max=JUSTIFICATION_MAX)],
            description=_justification_hint(item))

    kind = ResponseType(item.response_type)
    required = InputRequired("Give an answer.")
    if kind is ResponseType.YES_NO:
        AnswerForm.value = RadioField("Answer", choices=YES_NO, validators=[required])
    elif kind is ResponseType.CHOICE:
        AnswerForm.value = RadioField("Answer", choices=[(c, c) for c in item.choices],
                                      validators=[required])
    elif kind is ResponseType.CONFIRM:
        AnswerForm.value = RadioField("Answer", choices=[("done", "Done")],
                                      validators=[required])
    elif kind is ResponseType.DATE:
        AnswerForm.value = DateField("Date", validators=[InputRequired("Enter a date.")])
    else:
        AnswerForm.value = StringField("Answer", validators=[
            DataRequired("Give an answer."), Length(max=SHORT_TEXT_MAX)],
            description="Logistics only: no one's personal details, views or affiliations.")
    return AnswerForm(**kwargs)


def _justification_hint(item: TemplateItem) -> str:
    if not item.red_flag_answers:
        return "Optional context for this answer."
    flagged = " or ".join(f"\u201c{a}\u201d" for a in item.red_flag_answers)
    return (f"Required if you answer {flagged}: that answer raises a red flag. Say why it "
            "is needed and who authorised it; a privacy officer reviews it.")


class DecisionForm(SubmitOnceForm, Form):
    decision = RadioField("Decision", choices=[
        ("approved", "Approve: the justification is sufficient"),
        ("rejected", "Reject: the plan must change")],
        validators=[InputRequired("Choose approve or reject.")])
    note = TextAreaField("Note", validators=[
        DataRequired("Write a note explaining the decision."), Length(max=4000)],
        description="Recorded with the decision and shown on the compliance summary.")


class ItemForm(VersionedForm, Form):
    """Carries the template version it was opened on."""

    key = StringField("Key", validators=[DataRequired("Enter a key."), Length(max=80)],
                      description="A stable identifier, e.g. pre.weather. It cannot change "
                                  "later.")
    stage = SelectField("Stage", choices=[(s.value, s.label) for s in Stage])
    prompt = StringField("Prompt", validators=[DataRequired("Enter the prompt."),
                                               Length(max=PROMPT_MAX)])
    guidance = TextAreaField("Guidance", validators=[Length(max=GUIDANCE_MAX)],
                             description="Why it matters and how to do it.")
    response_type = SelectField("Response type", choices=[
        ("confirm", "Confirm (done)"), ("yes_no", "Yes or no"), ("choice", "Choice"),
        ("short_text", "Short text"), ("date", "Date")])
    choices = TextAreaField("Choices", description="For a choice item: one option per line.",
                            validators=[Length(max=2000)])
    required = BooleanField("Required before the stage's gate")
    red_flag_answers = TextAreaField(
        "Red-flag answers", validators=[Length(max=2000)],
        description="One per line: yes or no for a yes/no item, or option text for a choice "
                    "item. Leave empty if no answer raises a red flag.")
    responsible_role = SelectField("Responsible role", choices=[
        (r.value, r.label) for r in RESPONSIBLE_ROLES])
    due_anchor = SelectField("Due date counts from", choices=[
        ("", "No due date"), ("start", "The event's start"), ("end", "The event's end")])
    due_days = IntegerField("Days from that point", validators=[
        Optional(), NumberRange(min=-365, max=365)],
        description="Negative for before, e.g. -7 for a week before the start.")
    note = StringField("What changed (recorded with the new version)", validators=[
        DataRequired("Say briefly what changed."), Length(max=500)])

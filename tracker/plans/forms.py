"""Forms of the plans area. The plan form is built from tracker/plans/sections.py: a list
of rows (FieldList of FormField) per table section, a text box per text section. Rows are
added and removed with submit buttons, so the form works without script."""

from functools import cache

from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import (
    Form as RowBase,
)
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker import inputs
from tracker.forms import Form
from tracker.plans import after_action
from tracker.plans import sections as S

BLANK_ROWS = 1  # an empty row to type into under each table


def _check_time(form, field):
    if field.data and not S.TIME_PATTERN.match(field.data.strip()):
        raise FieldError("Enter a time as HH:MM (24-hour).")


def _check_text(single_line: bool):
    def check(form, field):
        problem = inputs.text_problem(field.data or "", single_line=single_line)
        if problem:
            raise FieldError(problem)
    return check


@cache
def row_form(section_name: str) -> type[RowBase]:
    """The form of one row of a table section (no CSRF of its own)."""
    section = S.BY_NAME[section_name]
    attrs = {}
    for column in section.columns:
        kind = TextAreaField if column.long else StringField
        checks = [Length(max=column.limit, message=f"Use at most {column.limit:,} characters."),
                  _check_text(not column.long)]
        if column.time:
            checks.append(_check_time)
        attrs[column.name] = kind(column.label, validators=checks)

    def validate(self, extra_validators=None):
        valid = RowBase.validate(self, extra_validators)
        values = {c.name: (self[c.name].data or "").strip() for c in section.columns}
        if not any(values.values()):
            return valid  # a blank row is ignored
        for column in section.columns:
            if column.required and not values[column.name]:
                self[column.name].errors = [*self[column.name].errors,
                                            f"Enter the {column.label.lower()}."]
                valid = False
        times = [c.name for c in section.columns if c.time]
        if len(times) == 2 and values[times[0]] and values[times[0]] == values[times[1]]:
            self[times[1]].errors = [*self[times[1]].errors, "The time window is empty."]
            valid = False
        return valid

    attrs["validate"] = validate
    return type(f"{section.name.title()}Row", (RowBase,), attrs)


@cache
def plan_form_class() -> type[Form]:
    attrs = {"version": HiddenField()}
    for section in S.SECTIONS:
        if section.has_rows:
            attrs[section.name] = FieldList(FormField(row_form(section.name)),
                                            label=section.title, min_entries=0,
                                            max_entries=S.ROWS_MAX + BLANK_ROWS)
        else:
            attrs[section.name] = TextAreaField(section.title, validators=[
                Length(max=S.TEXT_MAX)])
    # The map (templates/plans/_map_edit.html): GeoJSON text, checked by plans/geo.py.
    attrs["map_geojson"] = TextAreaField("Map")
    return type("PlanForm", (Form,), attrs)


def plan_form(formdata=None, data: dict | None = None):
    """The plan form: from the request (formdata), or showing `data` (sections) with a
    blank row to type into under each table."""
    cls = plan_form_class()
    if formdata is not None:
        return cls(formdata=formdata)
    values = dict(data or S.empty())
    values["objectives"] = [r for r in values.get("objectives", [])
                            if r.get("text") != S.RIGHTS_OBJECTIVE]
    form = cls(formdata=None, data=values)
    for section in S.SECTIONS:
        if section.has_rows:
            form[section.name].append_entry()
    return form


def sections_from(form) -> dict:
    result = {}
    for section in S.SECTIONS:
        if section.has_rows:
            result[section.name] = [dict(entry.data) for entry in form[section.name]]
        else:
            result[section.name] = form[section.name].data or ""
    return result


def error_list(form) -> list[tuple[str, str]]:
    """Every error as (field id, message), rows included, for the summary at the top."""
    found = []
    for message in form.form_errors:
        found.append(("", message))
    for section in S.SECTIONS:
        f = form[section.name]
        if not section.has_rows:
            found += [(f.id, f"{section.title}: {m}") for m in f.errors]
            continue
        for number, entry in enumerate(f.entries, start=1):
            for sub in entry.form:
                found += [(sub.id, f"{section.title}, row {number}, "
                                   f"{sub.label.text.lower()}: {m}") for m in sub.errors]
    if "map_geojson" in form:
        found += [("plan-map", f"Map: {m}") for m in form["map_geojson"].errors]
    return found


class SubmitForm(Form):
    version = HiddenField()


class CopyForm(Form):
    source_id = SelectField("Copy the plan of", coerce=int, validate_choice=True,
                            validators=[InputRequired("Choose an event.")])


class ReportForm(Form):
    version = HiddenField()
    went_as_planned = TextAreaField("What went as planned", validators=[
        Length(max=after_action.TEXT_MAX)])
    did_not_go_as_planned = TextAreaField("What did not go as planned, and why", validators=[
        Length(max=after_action.TEXT_MAX)])
    arrests = IntegerField("Arrests", validators=[
        Optional(), NumberRange(min=0, max=after_action.COUNT_MAX)],
        description="A number only, never names.")
    injuries = IntegerField("Injuries", validators=[
        Optional(), NumberRange(min=0, max=after_action.COUNT_MAX)])
    complaints = IntegerField("Complaints", validators=[
        Optional(), NumberRange(min=0, max=after_action.COUNT_MAX)])
    use_of_force_reports = IntegerField("Use-of-force reports", validators=[
        Optional(), NumberRange(min=0, max=after_action.COUNT_MAX)])
    lessons = TextAreaField("Lessons learned", validators=[Length(max=after_action.TEXT_MAX)],
                            description="About the agency's own planning and operations; "
                                        "do not name or describe participants.")
    reviewed_on = DateField("Date of the after-action review", validators=[Optional()])


class ActionForm(Form):
    description = TextAreaField("Corrective action", validators=[
        DataRequired("Say what will be done."), Length(max=after_action.TEXT_MAX)])
    owner_id = SelectField("Owner", coerce=int, validate_choice=True,
                           validators=[InputRequired("Choose an owner.")])
    due_on = DateField("Due date", validators=[InputRequired("Enter a due date.")])


class CloseActionForm(Form):
    version = HiddenField()
    closing_note = TextAreaField("How it was resolved", validators=[
        DataRequired("Say how the action was resolved."),
        Length(max=after_action.TEXT_MAX)])

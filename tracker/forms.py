"""Form helpers shared by every area."""

from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm
from wtforms.fields import DateField, DateTimeField, TextAreaField

from tracker import conflicts, inputs, work
from tracker.errors import Conflict, ValidationError

RACE_MESSAGE = work.RACE_MESSAGE


class Form(FlaskForm):
    """The base of every form: refuses input the tracker cannot store or show safely,
    with a message beside the field and the typed values kept (SECURITY.md R-4).

    A NUL character anywhere; a control character (line break, tab ...) in a single-line
    field; a date or time outside inputs.YEAR_MIN..YEAR_MAX."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            problem = _input_problem(field)
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid


def _input_problem(field) -> str | None:
    data = field.data
    if isinstance(field, DateField | DateTimeField) or hasattr(data, "year"):
        return None if inputs.in_window(data) else inputs.DATE_MESSAGE
    if isinstance(data, str):
        return inputs.text_problem(data, single_line=not isinstance(field, TextAreaField))
    if isinstance(data, list | tuple):
        texts = [v for v in data if isinstance(v, str)]
        return next(filter(None, (inputs.text_problem(v, True) for v in texts)), None)
    return None


class EmptyForm(Form):
    """For POST-only buttons: carries the CSRF token and nothing else."""


def apply_error(form: FlaskForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the field it names, or on the whole form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def submit(form: FlaskForm, action, current: Callable[[], FlaskForm] | None = None):
    """The common POST step of a view: validate the form, run `action()` (one service
    call) as one unit of work (tracker/work.py). Returns (True, result), or (False,
    None) when the form or the service found a problem: the errors are on the form, and
    nothing was saved.

    `current` builds the form for the record as it is now: on a conflict (the record was
    saved by someone else since the form was opened) `form.conflict` then compares field
    by field and `form` becomes the re-apply form (tracker/conflicts.py)."""
    if not form.validate_on_submit():
        return False, None
    try:
        return True, work.run(action)
    except ValidationError as err:
        apply_error(form, err)
    except Conflict as err:
        # Shown by the error summary macro (templates/_macros/forms.html).
        conflicts.attach(form, current, err.message)
    return False, None


def status_of(form: FlaskForm) -> int:
    """The status of a form page: 409 after a conflict, 400 with errors, else 200."""
    if getattr(form, "conflict", None) is not None:
        return 409
    return 400 if form.errors else 200


def press(action, success: str) -> bool:
    """A POST-only button (EmptyForm): check the CSRF token, run `action()` as one unit
    of work and flash `success`; a ValidationError is flashed instead and nothing is
    saved."""
    if not EmptyForm().validate_on_submit():
        return False
    try:
        work.run(action)
    except ValidationError as err:
        flash(err.message, "error")
        return False
    flash(success, "success")
    return True

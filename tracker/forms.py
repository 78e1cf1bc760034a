"""Form helpers shared by every area."""

from flask import flash
from flask_wtf import FlaskForm

from tracker.errors import ValidationError
from tracker.extensions import db


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token and nothing else."""


def apply_error(form: FlaskForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the field it names, or on the whole form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def submit(form: FlaskForm, action):
    """The common POST step of a view: validate the form, run `action()` (one service
    call), commit. Returns (True, result), or (False, None) when the form or the service
    found a problem: the errors are on the form, and nothing was saved."""
    if not form.validate_on_submit():
        return False, None
    try:
        result = action()
        db.session.commit()
        return True, result
    except ValidationError as err:
        db.session.rollback()
        apply_error(form, err)
        return False, None


def press(action, success: str) -> bool:
    """A POST-only button (EmptyForm): check the CSRF token, run `action()`, commit and
    flash `success`; a ValidationError is flashed instead and nothing is saved."""
    if not EmptyForm().validate_on_submit():
        return False
    try:
        action()
        db.session.commit()
    except ValidationError as err:
        db.session.rollback()
        flash(err.message, "error")
        return False
    flash(success, "success")
    return True

"""Form helpers shared by every area."""

from flask_wtf import FlaskForm

from tracker.errors import ValidationError


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token and nothing else."""


def apply_error(form: FlaskForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the field it names, or on the whole form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)

"""Forms for signing in and for administering users."""

from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from tracker.accounts.roles import Role
from tracker.forms import Form
from tracker.labels import choices


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    acknowledge = BooleanField(
        "I have read the notice above and accept these conditions",
        validators=[DataRequired("Acknowledge the system-use notice to sign in.")])


class CodeForm(Form):
    code = StringField(
        "Code", validators=[DataRequired("Enter the code."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                   "autocapitalize": "off", "spellcheck": "false"})


class PasswordChangeForm(Form):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_LENGTH} characters. Long passphrases are welcome.",
        validators=[DataRequired("Enter a new password."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"})


class PasswordResetForm(Form):
    password = PasswordField(
        "New password",
        description=f"At least {MIN_LENGTH} characters. Give it to the user in person; "
                    "their sessions end now.",
        validators=[DataRequired("Enter a new password."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"})


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices():
    return choices(Role)


class _UserFields(Form):
    display_name = StringField(
        "Display name", validators=[DataRequired("Enter a display name."), Length(max=120)]
    )
    roles = MultiCheckboxField(
        "Roles", choices=_role_choices(), validators=[DataRequired("Choose at least one role.")]
    )


class UserEditForm(_UserFields):
    active = BooleanField("Account active", default=True)


class UserCreateForm(_UserFields):
    email = EmailField("Email", validators=[DataRequired("Enter an email."), Length(max=254)])
    password = PasswordField(
        "Initial password",
        description=f"At least {MIN_LENGTH} characters. Long passphrases are welcome.",
        validators=[DataRequired("Enter an initial password."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH)],
    )

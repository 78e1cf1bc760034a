"""A user's own account: password, second factor and recovery codes."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts import loader, mfa, services
from tracker.accounts.forms import PasswordChangeForm
from tracker.db import utcnow
from tracker.forms import EmptyForm, submit

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form, status=200):
    return render_template("account/security.html", form=form,
                           codes_left=mfa.recovery_codes_left(current_user)), status


@bp.route("/security")
def security():
    return _page(PasswordChangeForm(formdata=None))


@bp.route("/password", methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    ok, ended = submit(form, lambda: services.change_own_password(
        current_user, form.current_password.data, form.new_password.data, utcnow(),
        loader.current_token()))
    if ok:
        others = f" {ended} other session{'s' if ended != 1 else ''} ended." if ended else ""
        flash("Your password was changed." + others, "success")
        return redirect(url_for("account.security"))
    return _page(form, 400)


@bp.route("/recovery-codes", methods=["POST"])
def recovery_codes():
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("account.security"))
    codes = work.run(lambda: mfa.regenerate_recovery_codes(current_user, utcnow()))
    return render_template("accounts/recovery_codes.html", codes=codes,
                           next_url=url_for("account.security"), first_time=False)

"""Sign-in, sign-out and user administration."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from tracker.accounts import services
from tracker.accounts.access import public, roles_required
from tracker.accounts.forms import LoginForm, UserCreateForm, UserEditForm
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.extensions import db, limiter
from tracker.forms import EmptyForm, submit

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's link must not bounce a user off-site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, utcnow())
        db.session.commit()
        if user is not None:
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append("The email or password is not correct, or the account is disabled.")
    return render_template("accounts/login.html", form=form), (200 if not form.errors else 400)


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        services.record_logout(current_user, utcnow())
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def user_list():
    return render_template("admin/users.html", users=services.list_users())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_create():
    form = UserCreateForm()
    ok, user = submit(form, lambda: services.create_user(
        current_user, email=form.email.data, display_name=form.display_name.data,
        roles=form.roles.data, password=form.password.data, now=utcnow()))
    if ok:
        flash(f"User {user.display_name} created.", "success")
        return redirect(url_for("accounts.user_list"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = services.get_user(user_id)
    form = UserEditForm(obj=user, roles=sorted(user.roles))
    ok, _ = submit(form, lambda: services.update_user(
        current_user, user, display_name=form.display_name.data, roles=form.roles.data,
        active=form.active.data, now=utcnow()))
    if ok:
        flash(f"User {user.display_name} saved.", "success")
        return redirect(url_for("accounts.user_list"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/user_form.html", form=form, user=user), status

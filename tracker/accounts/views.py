"""Sign-in, sign-out and user administration."""

from datetime import UTC, datetime, timedelta
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

from tracker import work
from tracker.accounts import loader, lockout, mfa, services
from tracker.accounts.access import public, roles_required
from tracker.accounts.forms import (
    CodeForm,
    LoginForm,
    PasswordResetForm,
    UserCreateForm,
    UserEditForm,
)
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.db import utcnow
from tracker.extensions import db, limiter
from tracker.forms import EmptyForm, press, submit

bp = Blueprint("accounts", __name__)
# The Flask session key holding who passed the password step, when, and where to go next.
PENDING = "pending_sign_in"


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's link must not bounce a user off-site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("dashboard.index")


# How long the step between password and code may take before starting again.
PENDING_LIMIT = timedelta(minutes=5)
SIGN_IN_REFUSED = ("Sign-in failed: the email, password or code is not correct, or the "
                   "account is disabled or locked. After repeated failures an account is "
                   "locked until an administrator unlocks it.")


def _lockout_policy() -> lockout.LockoutPolicy:
    return lockout.LockoutPolicy.from_config(current_app.config)


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        with work.unit():
            user = services.check_password(form.email.data, form.password.data, now,
                                           _lockout_policy())
            if user is not None and not user.has_factor:
                mfa.begin_enrolment(user)
        if user is not None:
            session.clear()
            session[PENDING] = {"user": user.id, "at": now.timestamp(),
                                "next": _safe_next(request.args.get("next"))}
            step = "accounts.login_code" if user.has_factor else "accounts.login_enrol"
            return redirect(url_for(step))
        form.form_errors.append(SIGN_IN_REFUSED)
    return render_template("accounts/login.html", form=form,
                           notice=current_app.config["SYSTEM_USE_NOTICE"]), \
        (200 if not form.errors else 400)


def _pending_user():
    """The user who passed the password step in this browser, a moment ago."""
    pending = session.get(PENDING) or {}
    started = pending.get("at")
    if not started or utcnow() - datetime.fromtimestamp(started, UTC) > PENDING_LIMIT:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.locked_at is not None:
        return None
    return user


def _start_again():
    session.pop(PENDING, None)
    flash("Sign in again: the sign-in was not completed in time, or it was refused.",
          "error")
    return redirect(url_for("accounts.login"))


def _finish(user):
    target = session.get(PENDING, {}).get("next") or url_for("dashboard.index")
    token = work.run(lambda: services.complete_sign_in(user, utcnow()))
    loader.store_token(token)
    login_user(user)
    return target


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user = _pending_user()
    if user is None or not user.has_factor:
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        ok = work.run(lambda: services.check_code(user, form.code.data, utcnow(),
                                                  _lockout_policy()))
        if ok:
            return redirect(_finish(user))
        if user.locked_at is not None:
            session.pop(PENDING, None)
            flash(SIGN_IN_REFUSED, "error")
            return redirect(url_for("accounts.login"))
        form.code.errors = ["That code is not right, or it has been used already. Enter "
                            "the current code from your authenticator app, or a recovery "
                            "code."]
    return render_template("accounts/login_code.html", form=form), \
        (200 if not form.errors else 400)


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login_enrol():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user = _pending_user()
    if user is None or user.has_factor or not user.totp_secret:
        return _start_again()
    form = CodeForm()
    if form.validate_on_submit():
        codes = mfa.confirm_enrolment(user, form.code.data, utcnow())
        if codes is not None:
            target = _finish(user)  # commits the factor and its recovery codes
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=target, first_time=True)
        work.discard()
        form.code.errors = ["That code does not match. Check that the app shows the "
                            "account you just added, and enter its current code."]
    uri = mfa.provisioning_uri(user, current_app.config["TOTP_ISSUER"])
    return render_template("accounts/login_enrol.html", form=form, qr=mfa.qr_svg(uri),
                           secret=user.totp_secret, uri=uri), \
        (200 if not form.errors else 400)


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        work.run(lambda: services.record_logout(current_user, utcnow(),
                                                loader.current_token()))
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
    # Unticking "Account active" ends the person's sessions at once: asked on a page of
    # its own first, which posts the same values back with the confirmation. (Your own
    # account is refused by the service, with its message, without asking.)
    if (form.is_submitted() and user.active and not form.active.data
            and user.id != current_user.id
            and request.form.get("confirm_deactivate") != "yes" and form.validate()):
        return render_template("admin/confirm_deactivate.html", form=form, user=user)
    ok, _ = submit(form, lambda: services.update_user(
        current_user, user, display_name=form.display_name.data, roles=form.roles.data,
        active=form.active.data, now=utcnow()))
    if ok:
        flash(f"User {user.display_name} saved.", "success")
        return redirect(url_for("accounts.user_list"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/user_form.html", form=form, user=user,
                           reset_form=PasswordResetForm(formdata=None)), status


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
def user_unlock(user_id: int):
    user = services.get_user(user_id)
    press(lambda: lockout.unlock(current_user, user, utcnow()),
          f"{user.display_name} can sign in again.")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-factor", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reset_factor(user_id: int):
    user = services.get_user(user_id)
    press(lambda: services.reset_factor(current_user, user, utcnow()),
          f"{user.display_name}'s second factor was removed and their sessions ended. "
          "They set up an authenticator app at their next sign-in.")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int):
    user = services.get_user(user_id)
    reset_form = PasswordResetForm()
    ok, _ = submit(reset_form, lambda: services.set_password(
        current_user, user, reset_form.password.data, utcnow()))
    if ok:
        flash(f"New password set for {user.display_name}; their sessions ended.", "success")
        return redirect(url_for("accounts.user_edit", user_id=user.id))
    form = UserEditForm(obj=user, roles=sorted(user.roles))
    return render_template("admin/user_form.html", form=form, user=user,
                           reset_form=reset_form), 400

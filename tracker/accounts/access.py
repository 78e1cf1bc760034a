"""Deny by default: every view needs a signed-in user unless marked @public, and views
name the roles they admit with @roles_required."""

from functools import wraps

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from tracker import work
from tracker.accounts.roles import Role
from tracker.audit import services as audit


def public(view):
    view.is_public = True
    return view


def roles_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                deny()
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def deny():
    """Audit the refusal in its own transaction, then answer 403."""
    work.discard()
    work.run(lambda: audit.record(current_user._get_current_object(), "access.denied",
                                  "route", request.endpoint, outcome=audit.DENIED))
    abort(403)


def install(app: Flask) -> None:
    @app.before_request
    def _require_login():
        view = app.view_functions.get(request.endpoint)
        if request.endpoint == "static" or getattr(view, "is_public", False):
            return None
        if not current_user.is_authenticated:
            if view is None:  # unknown URL: let routing answer 404/405 without a hint
                return None
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return None

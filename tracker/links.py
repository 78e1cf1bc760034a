"""The tracker's public address, built in one place.

The PUBLIC_BASE_URL setting first; else the address of the request being answered;
else, with no request (mail sent by the scheduler on a development machine), the
LOCAL_BASE_URL setting (the address `make run` serves). Feed links, calendar entries
and reminder mails all take their absolute links from here."""

from flask import current_app, has_request_context, request


def public_base(configured: str | None, request_url: str | None = None,
                local: str | None = None, scheme: str | None = None) -> str | None:
    """The base address without a trailing slash, or None when none is known.
    `scheme` replaces the request's scheme (a feed link is always offered as https)."""
    if configured:
        return configured.rstrip("/")
    if request_url:
        base = request_url.rstrip("/")
        return f"{scheme}://{base.split('://', 1)[1]}" if scheme else base
    return local.rstrip("/") if local else None


def current_base(scheme: str | None = None, local: bool = True) -> str | None:
    """At a boundary (view, CLI command, job): from the app's settings and the current
    request, if there is one. `local=False` leaves out the development address."""
    config = current_app.config
    return public_base(config.get("PUBLIC_BASE_URL"),
                       request.host_url if has_request_context() else None,
                       config.get("LOCAL_BASE_URL") if local else None, scheme)


def public_url(path: str, scheme: str | None = None) -> str:
    """`path` (from url_for) made absolute with the public address."""
    return (current_base(scheme) or "") + path

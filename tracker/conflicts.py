"""The web side of optimistic concurrency: an edit form carries the version it was opened
on and a fingerprint of the values it showed; a stale save becomes a conflict page.

The page (rendered by the area's own form template through the shared error summary,
with status 409) lists each field whose value changed since the form was opened, with
what the person typed and what is saved now, and offers the form again: stamped with
the current version, holding the person's own changes and the current value of every
field they did not touch. Saving that re-applies their changes knowingly.

The fingerprint holds a keyed digest of each field's value, never the value itself, so
the page source reveals nothing the form did not show."""

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.fields import BooleanField, RadioField, SelectField, SelectMultipleField

# Fields that describe the form, not the record.
INTERNAL = {"csrf_token", "version", "opened", "submit_token"}
SHOWN_MAX = 300


class VersionedForm:
    """Mix into an edit form (before the form class): the hidden fields it carries."""

    version = HiddenField()
    opened = HiddenField()

    conflict: "ConflictReport | None" = None

    def stamp(self, version: int) -> None:
        """Mark the form as showing `version` of the record, with its current values."""
        _set(self.version, str(version))
        _set(self.opened, json.dumps(fingerprint(self), separators=(",", ":")))

    @property
    def expected_version(self) -> int | None:
        """The version the form was opened on; None when the request carried none."""
        try:
            return int(self.version.data) if self.version.data else None
        except (TypeError, ValueError):
            return -1  # a garbled version matches nothing: a conflict, never a pass


@dataclass
class ChangedField:
    label: str
    yours: str
    current: str
    you_changed: bool


@dataclass
class ConflictReport:
    message: str
    version: int | None
    changes: list[ChangedField] = field(default_factory=list)


def _set(f, value) -> None:
    f.data = value
    f.raw_data = None  # rendering prefers raw request data over `data`


def _fields(form: FlaskForm):
    return [f for f in form if f.name not in INTERNAL and f.type != "CSRFTokenField"]


def _canonical(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return "\x1f".join(sorted(_canonical(v) for v in value))
    return str(value).replace("\r\n", "\n").strip()


def _digest(value) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _canonical(value).encode(), hashlib.sha256).hexdigest()[:16]


def fingerprint(form: FlaskForm) -> dict[str, str]:
    return {f.name: _digest(f.data) for f in _fields(form)}


def _opened_digests(form: FlaskForm) -> dict[str, str]:
    try:
        opened = json.loads(form.opened.data or "{}")
    except ValueError:
        return {}
    return opened if isinstance(opened, dict) else {}


def shown(f, value) -> str:
    """A field's value as a person reads it."""
    if isinstance(f, SelectMultipleField):
        labels = {str(choice[0]): choice[1] for choice in _choices(f)}
        return ", ".join(labels.get(str(v), str(v)) for v in (value or [])) or "(none)"
    if isinstance(f, SelectField | RadioField):
        labels = {str(choice[0]): choice[1] for choice in _choices(f)}
        text = labels.get(str(value if value is not None else ""), value)
    elif isinstance(f, BooleanField):
        text = "Yes" if value else "No"
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = value
    text = _canonical(text) if not isinstance(text, str) else text.strip()
    if not text:
        return "(empty)"
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX] + "\u2026"


def _choices(f) -> list:
    choices = f.choices or []
    return list(choices.items()) if isinstance(choices, dict) else list(choices)


def report(form: FlaskForm, current: FlaskForm, message: str) -> ConflictReport:
    """Compare the stale submission with the record as it is now (`current`, a form built
    and stamped as for a GET), and turn `form` into the re-apply form."""
    opened = _opened_digests(form)
    changes = []
    for f in _fields(form):
        now = current[f.name]
        before = opened.get(f.name)
        you_changed = before is None or _digest(f.data) != before
        they_changed = before is None or _digest(now.data) != before
        if they_changed and _digest(f.data) != _digest(now.data):
            changes.append(ChangedField(str(f.label.text), shown(f, f.data),
                                        shown(now, now.data), you_changed))
        if not you_changed:
            _set(f, now.data)
    _set(form.version, current.version.data)
    _set(form.opened, current.opened.data)
    version = int(current.version.data) if current.version.data else None
    form.conflict = ConflictReport(message, version, changes)
    return form.conflict


def attach(form: FlaskForm, current: Callable[[], FlaskForm] | None, message: str) -> None:
    """Record a conflict on `form`; with `current` (a builder of the form for the record
    as it is now), the field-by-field comparison and the re-apply values too."""
    if current is None or not isinstance(form, VersionedForm):
        form.conflict = ConflictReport(message, None)
        return
    report(form, current(), message)

"""Where the current unit of work comes from: source address and request id.

The web layer sets this at the start of each request and the CLI sets it per command, so
services can write complete audit records without touching the request object.
"""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    source_address: str
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


_current: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def set_origin(origin: Origin) -> None:
    _current.set(origin)


def current_origin() -> Origin:
    origin = _current.get()
    if origin is None:
        origin = Origin(source_address="local")
        _current.set(origin)
    return origin


def current_request_id() -> str | None:
    """The request id of the unit of work under way, without starting one (log lines)."""
    origin = _current.get()
    return None if origin is None else origin.request_id

"""Checklist items answered from another area's records (the post-event inventory and
disposition from the collected-information register, the dissemination record from the
dissemination log), without the checklist importing those areas.

An area registers a source for an item key from its wiring module at start-up. The
checklist asks the source for the answer the records give whenever they change (the area
calls services.sync_from_sources) and when the event's status changes: the answer is set
from the records, or cleared while the records do not answer it (an item without a
disposition). A person cannot answer such an item by hand.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.events.models import Event


@dataclass(frozen=True)
class RecordSource:
    label: str  # where the answer comes from, e.g. "the collected-information register"
    answer: Callable[["Event"], str | None]  # the answer the records give; None: none yet
    describe: Callable[["Event"], str]  # the records' state, in words
    endpoint: str  # the page that holds the records (takes event_id)


_sources: dict[str, RecordSource] = {}


def register(item_key: str, source: RecordSource) -> None:
    _sources[item_key] = source


def unregister(item_key: str) -> None:
    """For tests."""
    _sources.pop(item_key, None)


def source_for(item_key: str) -> RecordSource | None:
    return _sources.get(item_key)

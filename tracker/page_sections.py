"""Sections a higher area adds to a lower area's page, without the lower area importing
it: the privacy officer's review queue (checklist) lists product reviews, social-media
requests and records-schedule reviews; the retention page (outreach) lists every
records schedule.

An area registers a Section for a page name from its wiring module at start-up; the
page's view asks `prepared(page, user, now)` for the sections to include, each with the
data its template needs (templates run no queries)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

REVIEW_QUEUE = "review_queue"
RETENTION = "retention"


@dataclass(frozen=True)
class Section:
    key: str
    template: str  # included by the page with `section` (below) in its context
    prepare: Callable[..., dict]  # prepare(user, now) -> the template's data


@dataclass(frozen=True)
class Prepared:
    key: str
    template: str
    data: dict


_sections: dict[str, dict[str, Section]] = {}


def register(page: str, section: Section) -> None:
    _sections.setdefault(page, {})[section.key] = section


def prepared(page: str, user, now: datetime) -> list[Prepared]:
    return [Prepared(s.key, s.template, s.prepare(user, now))
            for s in _sections.get(page, {}).values()]

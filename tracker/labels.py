"""How an enum's values are named for people: one helper for every area.

A value reads as itself with spaces, capitalised ("plan_approved" -> "Plan approved"),
unless its module names it otherwise with `name({...})` next to the enum. Enums derive
from `Labelled` for a `.label` property; templates use the `label` filter
(tracker/templating.py), forms `choices(Enum)`."""

from collections.abc import Mapping
from enum import StrEnum

# Keyed by (enum class, value): members of different enums may share a value (a contact's
# purpose "follow_up" and the reminder kind "follow_up").
_NAMES: dict[tuple[type, str], str] = {}


def name(names: Mapping[StrEnum, str]) -> None:
    """Name members whose value does not read well on its own."""
    for member, text in names.items():
        _NAMES[(type(member), member.value)] = text


def label(member: StrEnum) -> str:
    return _NAMES.get((type(member), member.value)) or (
        member.value.replace("_", " ").capitalize())


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field, in the enum's order."""
    return [(member.value, label(member)) for member in enum]


class Labelled(StrEnum):
    """Base of the tracker's enums: `member.label` is `label(member)`."""

    @property
    def label(self) -> str:
        return label(self)

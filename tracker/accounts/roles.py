"""The roles a user can hold. A user may hold several."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    LIAISON = "liaison"
    LEADERSHIP = "leadership"
    PRIVACY_OFFICER = "privacy_officer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.PLANNER: "Planner",
    Role.LIAISON: "Liaison officer",
    Role.LEADERSHIP: "Leadership",
    Role.PRIVACY_OFFICER: "Privacy (P/CRCL) officer",
}

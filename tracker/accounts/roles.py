"""The roles a user can hold. A user may hold several."""

from tracker.labels import Labelled, name


class Role(Labelled):
    ADMIN = "admin"
    PLANNER = "planner"
    LIAISON = "liaison"
    LEADERSHIP = "leadership"
    PRIVACY_OFFICER = "privacy_officer"


name({
    Role.ADMIN: "Administrator",
    Role.PLANNER: "Planner",
    Role.LIAISON: "Liaison officer",
    Role.LEADERSHIP: "Leadership",
    Role.PRIVACY_OFFICER: "Privacy (P/CRCL) officer",
})

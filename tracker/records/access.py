"""Who may do what with an event's information records.

Planners and liaison officers of the event (its assigned planner or liaison) write
register items and dissemination rows; privacy officers approve keep-justifications and
decide dispositions; leadership, privacy officers and admins read.
"""

from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.errors import Forbidden
from tracker.events.models import Event


def writes(user: User, event: Event) -> bool:
    return ((user.has_role(Role.PLANNER) and event.planner_id == user.id)
            or (user.has_role(Role.LIAISON) and event.liaison_id == user.id))


def decides(user: User) -> bool:
    return user.has_role(Role.PRIVACY_OFFICER)


def reads(user: User, event: Event) -> bool:
    """The event's planner and liaison, privacy officers, leadership and admins: other
    planners and liaison officers see the event, not what was gathered about it."""
    return writes(user, event) or user.has_role(
        Role.PRIVACY_OFFICER, Role.LEADERSHIP, Role.ADMIN)


def require_writer(user: User, event: Event) -> None:
    if not writes(user, event):
        raise Forbidden("Only the event's planner or liaison officer records this.")


def require_decider(user: User) -> None:
    if not decides(user):
        raise Forbidden("Only a privacy officer decides this.")


def require_reader(user: User, event: Event) -> None:
    if not reads(user, event):
        raise Forbidden("Your role does not read this event's information records.")

"""Template filters and globals: local times with their zone, labels, paging links."""

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user

from tracker.accounts.roles import Role
from tracker.labels import label
from tracker.timezones import agency_zone, format_local


def install(app: Flask) -> None:
    app.add_template_filter(format_local, "localtime")
    app.add_template_filter(lambda d: format_local(d, "%a %-d %b %Y"), "localdate")
    # Enum members name themselves (tracker/labels.py); a role is stored as its value.
    app.add_template_filter(label, "label")
    app.add_template_filter(lambda r: label(Role(r)), "role_label")
    # A global, not a context value: imported macros (the pager) do not see the context.
    app.add_template_global(_page_url, "page_url")

    @app.context_processor
    def _globals():
        return {
            "Role": Role,
            "agency_name": app.config["AGENCY_NAME"],
            "zone_name": agency_zone().key,
            # Mail templates render outside any request: no user, no navigation.
            "nav": _nav() if has_request_context() and current_user.is_authenticated
            else [],
        }


def _page_url(number: int, args: dict) -> str:
    return url_for(request.endpoint, page=number, **args)


def _nav() -> list[tuple[str, str]]:
    """The header links the current user's roles admit."""
    items = [("dashboard.index", "Dashboard"), ("events.index", "Events"),
             ("calendar_view.page", "Calendar"), ("calendar.feed_list", "Calendar feeds")]
    if current_user.has_role(Role.PLANNER):
        items.append(("events.create", "New event"))
    if current_user.has_role(Role.LEADERSHIP, Role.PRIVACY_OFFICER):
        items.append(("dashboard_overview.overview", "Overview"))
    if current_user.has_role(Role.PRIVACY_OFFICER):
        items.append(("reviews.queue", "Privacy reviews"))
        items.append(("retention.index", "Retention"))
    if current_user.has_role(Role.LEADERSHIP):
        items.append(("authorizations.waiting", "Online-work requests"))
    if current_user.has_role(Role.PRIVACY_OFFICER, Role.ADMIN):
        items.append(("audit.index", "Audit trail"))
    if current_user.has_role(Role.ADMIN):
        items.append(("accounts.user_list", "Users"))
        items.append(("checklist_admin.index", "Checklist template"))
        items.append(("reminders.troubled", "Reminder deliveries"))
    return items

"""The feed settings from the app's configuration: built at a boundary (a view, the
mail job) and passed to the calendar services as plain values."""

from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from tracker.calendar.content import FeedSettings


def feed_settings(config: Mapping, base_url: str) -> FeedSettings:
    return FeedSettings(
        zone=ZoneInfo(config["AGENCY_TIMEZONE"]),
        refresh=timedelta(minutes=config["CALENDAR_REFRESH_MINUTES"]),
        cancelled_days=config["CALENDAR_CANCELLED_DAYS"], base_url=base_url.rstrip("/"),
        uid_domain=config["CALENDAR_UID_DOMAIN"])

"""Default settings. Override in instance/config.py or with TRACKER_* environment variables."""

from datetime import timedelta


class DefaultConfig:
    # Filled in by create_app: sqlite file inside the instance folder.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # The agency's own time zone: every time is stored in UTC and shown in this zone.
    AGENCY_TIMEZONE = "America/Chicago"
    AGENCY_NAME = "Demo Police Department"

    # How far ahead the dashboard looks.
    DASHBOARD_DAYS = 14
    EVENTS_PER_PAGE = 25
    AUDIT_PER_PAGE = 50

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

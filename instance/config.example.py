# Copy to instance/config.py and adjust. Environment variables TRACKER_<NAME> override these.
AGENCY_NAME = "Metro Police Department"
AGENCY_TIMEZONE = "America/Chicago"
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://tracker@db-host/tracker"
# SESSION_COOKIE_SECURE = True
# The notice users acknowledge before signing in (your agency's approved wording):
# SYSTEM_USE_NOTICE = "This is a Metro Police Department information system. ..."
# Session limits (minutes of inactivity, hours since sign-in) and lockout:
# SESSION_IDLE_MINUTES = 30
# SESSION_MAX_HOURS = 12
# LOCKOUT_THRESHOLD = 5
# LOCKOUT_WINDOW_MINUTES = 15

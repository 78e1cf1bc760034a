# Copy to instance/config.py and adjust. Environment variables TRACKER_<NAME> override these.
AGENCY_NAME = "Metro Police Department"
AGENCY_TIMEZONE = "America/Chicago"
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://tracker@db-host/tracker"
# SESSION_COOKIE_SECURE = True

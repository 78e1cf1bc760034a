"""Default settings. Override in instance/config.py or with TRACKER_* environment variables."""

from datetime import timedelta


class DefaultConfig:
    # Production switch: refuses debug mode and an unconfigured secret key, forces secure
    # cookies and sends HSTS. `flask --app tracker check-deploy` lists what else to fix.
    PRODUCTION = False

    # Filled in by create_app: sqlite file inside the instance folder.
    SQLALCHEMY_DATABASE_URI: str | None = None
    # Statement parameters can hold personal details: keep them out of error messages
    # and logs (SECURITY.md P-4).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}

    # The agency's own time zone: every time is stored in UTC and shown in this zone.
    AGENCY_TIMEZONE = "America/Chicago"
    AGENCY_NAME = "Demo Police Department"

    # How far ahead the dashboard looks.
    DASHBOARD_DAYS = 14
    # Rows per dashboard list (the soonest; each links to all): the page's cost is
    # bounded by these, not by the number of events.
    DASHBOARD_LIST_MAX = 10
    # The dashboard's overdue checklist items go back this far (each event's checklist
    # lists all of its items).
    DASHBOARD_OVERDUE_DAYS = 90
    # The leadership overview counts a plan as approved on time when its first approval
    # came at least this many hours before the event's start.
    PLAN_APPROVAL_LEAD_HOURS = 48
    EVENTS_PER_PAGE = 25
    AUDIT_PER_PAGE = 50

    # Outreach contact details (name, phone, email) are erased this many days after
    # the event ends; the scheduler checks this often.
    OUTREACH_RETENTION_DAYS = 30
    # 28 CFR 23.20(h): the event record's own free text (event notes, red-flag
    # justifications, product texts, register descriptions) is reviewed this many years
    # after the event: a privacy officer keeps it (with a reason and a new date) or purges it.
    RECORDS_REVIEW_YEARS = 5
    # The longest period a social-media or open-source authorization may cover.
    ONLINE_AUTHORIZATION_MAX_DAYS = 90
    RETENTION_PURGE_INTERVAL_MINUTES = 60
    # Collected-information register: each item's disposition is due this many days
    # after the later of the event's end and the day it was recorded, by category.
    # Open-source posts gathered for logistics are the least needed once the event is over.
    RECORDS_RETENTION_DAYS = {"open_source_post": 7, "photo_or_video": 30, "report": 90,
                              "note": 30, "other": 30}
    # How often the scheduler checks whether this week's reminder of past-due register
    # items has gone to the privacy officers (it goes once per week).
    RECORDS_DUE_CHECK_MINUTES = 60
    # A purge whose erased values could not yet be removed from the database files
    # (a reader in the way) is retried this often until it succeeds.
    RETENTION_SCRUB_RETRY_SECONDS = 60

    # Calendar feeds: how often clients should refresh, how long cancelled events stay
    # in feeds (so clients strike them), and the domain part of every event UID (keep it
    # fixed once feeds are in use, or clients see duplicates).
    CALENDAR_REFRESH_MINUTES = 60
    CALENDAR_CANCELLED_DAYS = 30
    CALENDAR_UID_DOMAIN = "event-tracker"
    # The tracker's public address, e.g. "https://tracker.agency.gov": used in feed links
    # and event links inside calendars. Without it, the address of the request is used.
    PUBLIC_BASE_URL: str | None = None
    # Without PUBLIC_BASE_URL and without a request (mail sent by the scheduler), links
    # point here: the address `make run` serves (tracker/links.py).
    LOCAL_BASE_URL = "http://127.0.0.1:5000"
    # Each web worker keeps rendered feeds (plain and gzip) in memory up to this size;
    # beyond it the least recently used are read back from the database when needed.
    CALENDAR_MEMORY_CACHE_MB = 128

    # Reminders: days before an event's start (users and events can choose their own),
    # and how often the scheduler delivers what is due.
    REMINDER_EVENT_OFFSETS_DAYS = (7, 1)
    REMINDER_DISPATCH_INTERVAL_SECONDS = 60
    # Mail. Without MAIL_SERVER, messages are written to <instance>/mail/ as .eml files.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SECURITY = "none"  # "none", "starttls" or "ssl"
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "tracker@localhost"

    # The scheduler process writes a heartbeat this often; /healthz answers 503 when the
    # last one is older than HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS (None: three intervals).
    SCHEDULER_HEARTBEAT_SECONDS = 30
    HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS: int | None = None

    # Reverse proxies in front of the tracker (e.g. 1 for nginx in front of gunicorn):
    # the address and scheme they pass in X-Forwarded-For/-Proto are then taken as the
    # client's, for the audit trail and the rate limits. 0 trusts no such header; a
    # number higher than the real one lets clients choose the address that is recorded.
    PROXY_COUNT = 0

    # Log lines on standard error: "json" (one object per line, for a log collector) or
    # "text". None: json when PRODUCTION is on, text otherwise (tracker/deploy.py).
    LOG_FORMAT: str | None = None
    LOG_LEVEL = "INFO"

    # `flask --app tracker backup` writes here unless given a destination.
    # None: <instance>/backups.
    BACKUP_FOLDER: str | None = None
    # age public keys (age1...): every `backup` is encrypted to them (a file ending .age;
    # `restore --identity FILE` reads it). Keep the private key off this server.
    BACKUP_RECIPIENTS: list[str] = []

    # Accounts not signed in for this many days are deactivated by the scheduler.
    INACTIVE_ACCOUNT_DAYS = 90
    INACTIVE_ACCOUNT_CHECK_MINUTES = 60

    # Rate limits per client address. memory:// counts per process; with several workers
    # point RATELIMIT_STORAGE_URI at a shared store (e.g. redis://...).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    FEED_RATE_LIMIT = "120 per minute"

    # Shown on the sign-in page; signing in requires acknowledging it (CJIS AC-8).
    SYSTEM_USE_NOTICE = (
        "You are accessing a government information system. Use is limited to authorized "
        "users for official purposes. Activity on this system is recorded and may be "
        "monitored and audited. Unauthorized use is prohibited and may be subject to "
        "criminal and civil penalties. By signing in you acknowledge these conditions.")

    # Five failed sign-ins (password or code) within 15 minutes lock an account until an
    # administrator unlocks it (CJIS AC-7).
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_WINDOW_MINUTES = 15
    # Authenticator apps show this name beside the account.
    TOTP_ISSUER = "Tracker"
    # `make run` turns this on: the sign-in code page says where seed-demo printed the demo
    # accounts' keys and recovery codes. Always off under PRODUCTION.
    DEMO_MODE = False

    # Server-side sessions end after this long without a request, and at the latest this
    # long after sign-in (CJIS AC-11/AC-12).
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # The operations plan's map (README "Plan map"): the tile server, as a URL template
    # with {z}/{x}/{y} (and {s} for subdomains), and its attribution. The default is the
    # OpenStreetMap standard tiles; an agency may point it at its own tile server, or at
    # "" for no tiles (the shapes draw on a blank background). Where the map opens when it
    # has no shapes yet: [latitude, longitude] and a zoom level.
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    MAP_DEFAULT_CENTER = (36.1627, -86.7816)
    MAP_DEFAULT_ZOOM = 13
    # Documents attached to plan versions: the largest accepted, where they are kept
    # (None: <instance>/attachments, private to the tracker's user), and how many days
    # after the event ends they are removed (None: kept as long as the event's record).
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    ATTACHMENTS_FOLDER: str | None = None
    PLAN_ATTACHMENT_RETENTION_DAYS: int | None = None

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    # Scheduler election (README "Scheduler"): every node may run `flask scheduler`; one
    # leads and runs the jobs, the others take over when it stops or dies. Each tries (and
    # the leader renews) this often; on SQLite a dead leader's lease runs out after
    # SCHEDULER_LEASE_SECONDS (PostgreSQL frees its lock at once).
    SCHEDULER_ELECTION_SECONDS = 5
    SCHEDULER_LEASE_SECONDS = 30
    # The name this node's scheduler goes by in logs, the audit trail and /healthz (with
    # its process id). None: the host name.
    SCHEDULER_NODE_NAME: str | None = None
    # Audit sealing (SECURITY.md U-3). The scheduler seals committed audit records into
    # signed blocks this often; /healthz is degraded when a record waits longer than
    # AUDIT_SEAL_MAX_AGE_SECONDS. The signing key lives outside the database: in
    # AUDIT_KEY_FOLDER (None: <instance>/audit-keys, created 0700 with a 0600 key file on
    # first use), or in TRACKER_AUDIT_SIGNING_KEY (an Ed25519 private key in PEM). The
    # latest signed digest is appended to AUDIT_ANCHOR_FILE (None:
    # <instance>/audit-anchor.log); point both at storage the database's users cannot
    # write, e.g. a write-once mount for the anchor.
    AUDIT_SEAL_INTERVAL_SECONDS = 60
    AUDIT_SEAL_MAX_AGE_SECONDS = 300
    AUDIT_KEY_FOLDER: str | None = None
    AUDIT_SIGNING_KEY: str | None = None
    AUDIT_ANCHOR_FILE: str | None = None

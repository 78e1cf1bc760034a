# The two commands of the README: `make run` and `make test`. Both start from a fresh
# Debian machine with Python 3.11 and install what they need.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app tracker
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test chromium pango vendor lint test-postgres install-postgres \
	vendor-fullcalendar \
	postgres-server bench

# A step's own output goes to a log beside it and is shown only when the step fails, so
# `make run` prints a line per step.
QUIETLY = sh -c 'log=$$(mktemp); "$$@" >"$$log" 2>&1 || { cat "$$log"; rm -f "$$log"; exit 1; }; rm -f "$$log"' quietly
PIP := $(PY) -m pip --disable-pip-version-check

$(VENV)/bin/python:
	@echo "Creating the virtual environment in $(VENV)"
	@python3 -m venv $(VENV)
	@$(QUIETLY) $(PIP) install --quiet --upgrade pip

install: $(VENV)/bin/python pango
	@echo "Installing the tracker's Python packages"
	@$(QUIETLY) $(PIP) install --quiet -e .

# npm brings Mozilla's ical.js (Thunderbird's parser): the tests read the feeds with it.
install-test: $(VENV)/bin/python
	@echo "Installing the test tools"
	@$(QUIETLY) $(PIP) install --quiet -e '.[test,redis]'
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
	else npm install --no-audit --no-fund; fi

# The map's browser libraries (Leaflet and Leaflet-Geoman, pinned in package-lock.json)
# are committed under tracker/static/vendor/ with their licences, so `make run` needs no
# npm; after changing their versions (npm install), `make vendor` copies them there
# again (and tests/plans/test_vendor.py checks the copies match node_modules).
VENDOR := tracker/static/vendor
vendor:
	rm -rf $(VENDOR)/leaflet $(VENDOR)/leaflet-geoman
	mkdir -p $(VENDOR)/leaflet/images $(VENDOR)/leaflet-geoman
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	  node_modules/leaflet/LICENSE node_modules/leaflet/package.json $(VENDOR)/leaflet/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js \
	  node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css \
	  node_modules/@geoman-io/leaflet-geoman-free/LICENSE \
	  node_modules/@geoman-io/leaflet-geoman-free/package.json $(VENDOR)/leaflet-geoman/

# The calendar page's FullCalendar (pinned in package-lock.json) is committed under
# tracker/static/vendor/fullcalendar/ with its licence, so `make run` needs no npm; after
# changing its version (npm install), `make vendor-fullcalendar` copies it there again
# (tests/calendar/test_vendor.py checks the copies match node_modules).
FULLCALENDAR := tracker/static/vendor/fullcalendar
vendor-fullcalendar:
	rm -rf $(FULLCALENDAR) && mkdir -p $(FULLCALENDAR)
	cp node_modules/fullcalendar/all/global.js $(FULLCALENDAR)/fullcalendar.global.js
	cp node_modules/fullcalendar/themes/classic/global.js \
	  $(FULLCALENDAR)/theme-classic.global.js
	cp node_modules/fullcalendar/skeleton.css $(FULLCALENDAR)/skeleton.css
	cp node_modules/fullcalendar/themes/classic/theme.css $(FULLCALENDAR)/theme-classic.css
	cp node_modules/fullcalendar/themes/classic/palette.css \
	  $(FULLCALENDAR)/palette-classic.css
	cp node_modules/fullcalendar/LICENSE.md node_modules/fullcalendar/package.json \
	  $(FULLCALENDAR)/

# Debian's Chromium drives the browser tests (Playwright never downloads its own);
# poppler-utils reads back the printed compliance summary and Incident Action Plan;
# redis-server is the shared rate-limit store two gunicorn workers use in
# tests/test_rate_limit_store.py.
chromium: pango
	@{ command -v chromium && command -v pdftotext && command -v redis-server; } \
	  >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium poppler-utils redis-server; }

# WeasyPrint (the Incident Action Plan's PDF) needs Debian's Pango.
pango:
	@{ ldconfig -p | grep -q libpango-1.0.so.0 && ldconfig -p | grep -q libpangoft2-1.0.so.0; } \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0; }

# The web server and, beside it, a scheduler process (reminders, retention purge);
# the scheduler stops when the web server does.
run: install
	@echo "Bringing the database up to date"
	@$(QUIETLY) $(FLASK) db upgrade
	@echo "Adding the demo accounts and events"
	@$(FLASK) seed-demo
	@echo "Mail is written to instance/mail/ (set TRACKER_MAIL_SERVER to use SMTP)."
	@echo "Starting the tracker on http://$(HOST):$(PORT)/ and its scheduler"
	@TRACKER_DEMO_MODE=true \
	  TRACKER_PUBLIC_BASE_URL=$${TRACKER_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} \
	  sh -c '$(FLASK) scheduler & pid=$$!; trap "kill $$pid" EXIT INT TERM; \
	         $(FLASK) run --host $(HOST) --port $(PORT)' 

# bandit: no medium or high findings in the application code.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit --quiet --recursive tracker --severity-level medium

# The suite runs on every core (pytest-xdist): TEST_WORKERS=1 runs it in one process.
TEST_WORKERS ?= auto

test: install-test chromium lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

# The same suite on PostgreSQL: the tests start a throwaway cluster with Debian's server
# binaries (installed here if missing), or use TRACKER_TEST_DATABASE_URL when it is set.
install-postgres: install-test
	$(PY) -m pip install --quiet -e '.[test,redis,postgres]'

postgres-server:
	@[ -n "$$TRACKER_TEST_DATABASE_URL" ] || command -v pg_ctl >/dev/null 2>&1 \
	  || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    postgresql; }

test-postgres: install-postgres chromium postgres-server
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --db=postgresql

# The benchmarks (bench/README.md): gunicorn and psycopg from the bench extra, wrk (load)
# and the PostgreSQL server (throwaway clusters) from Debian.
bench: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test,bench]'
	@{ command -v wrk && ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    wrk postgresql; }
	$(PY) -m bench.run $(BENCH)

"""Production an operator can trust: no demo accounts in production, and private files
(SECURITY.md D-4: the instance folder 0700; database, -wal, -shm, keys and backups 0600).

seed-demo is refused under PRODUCTION; check-deploy, start-up under PRODUCTION and
/healthz flag what would expose the instance."""

import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import NOW
from tracker import create_app
from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.accounts.roles import Role
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db

HARDENED = {"PRODUCTION": True, "SECRET_KEY": "s" * 40,
            "PUBLIC_BASE_URL": "https://tracker.agency.example.gov",
            "MAIL_SERVER": "smtp.agency.example.gov", "MAIL_SECURITY": "starttls",
            "WEB_WORKERS": 1}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "instance"
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(folder))
    return folder


def production_app(**config):
    app = create_app({**HARDENED, **config})
    with app.app_context():
        db.create_all()
        db.session.remove()
    return app


def check_deploy(app) -> tuple[int, str]:
    """The exit code and output, without the one finding every test has here (the
    database is SQLite, in a temporary folder)."""
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    lines = [line for line in result.output.splitlines() if "database is SQLite" not in line]
    if result.exit_code == 1 and not lines:
        return 0, "No unsafe production settings found."
    return result.exit_code, "\n".join(lines)


# ---- no demo in production -----------------------------------------------------------


def test_seed_demo_is_refused_under_production(instance):
    app = production_app()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "seed-demo is refused with PRODUCTION on" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_hardened_instance_passes(instance):
    code, output = check_deploy(production_app())
    assert (code, output.strip()) == (0, "No unsafe production settings found.")


def test_check_deploy_finds_demo_accounts_and_the_demo_password(instance):
    # seed-demo run before PRODUCTION was switched on, and a real account whose password
    # was set to the one printed in the README.
    app = create_app({**HARDENED, "PRODUCTION": False})
    with app.app_context():
        db.create_all()
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        accounts.create_user(None, email="ops@agency.example.gov", display_name="Ops",
                             roles=[Role.ADMIN.value], password=DEMO_PASSWORD, now=NOW)
        accounts.create_user(None, email="planner@agency.example.gov", display_name="P",
                             roles=[Role.PLANNER.value], password="a long private phrase",
                             now=NOW)
        db.session.commit()
        db.session.remove()
    code, output = check_deploy(production_app())
    assert code == 1
    demo_line = next(line for line in output.splitlines() if "Demo accounts" in line)
    assert "admin@demo.example.com" in demo_line and "privacy@demo.example.com" in demo_line
    password_line = next(line for line in output.splitlines() if "demo password" in line)
    assert "ops@agency.example.gov" in password_line
    assert "planner@agency.example.gov" not in output


def test_start_up_under_production_logs_demo_accounts(instance, caplog):
    app = production_app()
    with app.app_context():
        accounts.create_user(None, email="liaison@demo.example.com", display_name="Lee",
                             roles=[Role.LIAISON.value], password=DEMO_PASSWORD, now=NOW)
        db.session.commit()
        db.session.remove()
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="tracker.deploy"):
        create_app(HARDENED)
    assert any("UNSAFE: Demo accounts are in the database" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize(("workers", "flagged"), [(2, True), (4, True), (1, False)])
def test_check_deploy_and_start_up_flag_per_worker_rate_limits(instance, caplog, workers,
                                                               flagged):
    with caplog.at_level(logging.ERROR, logger="tracker.deploy"):
        app = production_app(WEB_WORKERS=workers)
    assert any("memory:// with" in r.getMessage() for r in caplog.records) is flagged
    code, output = check_deploy(app)
    assert ("memory:// with" in output) is flagged
    assert code == (1 if flagged else 0), output


def test_without_web_workers_set_the_gunicorn_default_of_four_is_assumed(instance):
    config = {k: v for k, v in HARDENED.items() if k != "WEB_WORKERS"}
    app = create_app(config)
    with app.app_context():
        db.create_all()
    assert "memory:// with 4 web workers" in check_deploy(app)[1]


def test_check_deploy_flags_a_missing_secret_key(instance):
    app = create_app({**HARDENED, "PRODUCTION": False, "SECRET_KEY": None})
    assert "SECRET_KEY is generated" in check_deploy(app)[1]


# ---- private files -------------------------------------------------------------------


def test_instance_database_and_key_are_created_private(instance):
    app = create_app({"SECRET_KEY": None})  # the default SQLite file and a generated key
    with app.app_context():
        db.create_all()  # WAL mode: the -wal and -shm exist while connections are open
        database = Path(db.engine.url.database)
        assert database.parent == instance
        assert mode(instance) == 0o700
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"),
                     instance / "secret_key"):
            assert mode(path) == 0o600, path
        assert app.test_cli_runner().invoke(args=["backup"]).exit_code == 0
        [copy] = (instance / "backups").iterdir()
        assert (mode(copy.parent), mode(copy)) == (0o700, 0o600)
        db.session.remove()
        db.engine.dispose()


def test_a_database_copied_in_with_a_wider_mode_is_made_private(instance, tmp_path):
    database = tmp_path / "copied.db"
    database.touch()
    os.chmod(database, 0o644)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert mode(database) == 0o600
        db.session.remove()
        db.engine.dispose()


def test_readable_files_are_found_by_check_deploy_health_and_start_up(instance, caplog):
    app = production_app()
    # What another feature adds to the instance folder is covered without a new rule.
    key = instance / "audit_signing_key"
    key.write_text("k")
    os.chmod(key, 0o644)
    os.chmod(instance, 0o755)  # noqa: S103 (the exposure under test)
    code, output = check_deploy(app)
    assert code == 1
    line = next(line for line in output.splitlines() if "Readable by others" in line)
    assert f"{key} (0644)" in line and f"{instance} (0755)" in line

    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["files"] == "readable by others"

    with caplog.at_level(logging.ERROR, logger="tracker.deploy"):
        create_app(HARDENED)
    assert any("Readable by others" in r.getMessage() and str(key) in r.getMessage()
               for r in caplog.records)

    os.chmod(key, 0o600)
    os.chmod(instance, 0o700)
    assert check_deploy(app)[0] == 0
    assert app.test_client().get("/healthz").get_json()["files"] == "private"


def test_a_readable_file_deep_in_the_instance_is_found_by_check_deploy(instance):
    app = production_app()
    mail = instance / "mail"
    mail.mkdir(mode=0o700)
    (mail / "old.eml").write_text("x")
    os.chmod(mail / "old.eml", 0o644)
    code, output = check_deploy(app)
    assert code == 1 and f"{mail / 'old.eml'} (0644)" in output


# ---- the environment file -----------------------------------------------------------


def test_the_example_environment_file_reads_the_same_in_the_shell_helper(tmp_path):
    """The README's `tracker` function sources the file with `set -a -e`: the example
    loads, a quoted value with spaces arrives whole, and an unquoted one stops the
    function instead of running with settings missing."""
    import subprocess

    example = Path(__file__).parents[2] / "docs" / "deploy" / "tracker.env.example"
    good = tmp_path / "good.env"
    good.write_text(example.read_text()
                    + "TRACKER_AGENCY_NAME='Metro Police Department'\n"
                    + "TRACKER_REMINDER_EVENT_OFFSETS_DAYS='[7, 1]'\n")
    bad = tmp_path / "bad.env"
    bad.write_text("TRACKER_AGENCY_NAME=Metro Police Department\n")
    helper = ('(set -a -e; . "$1"; set +a +e; printf "%s|%s|%s" "$TRACKER_AGENCY_NAME" '
              '"$TRACKER_REMINDER_EVENT_OFFSETS_DAYS" "$TRACKER_WEB_WORKERS")')
    read = subprocess.run(["sh", "-c", helper, "sh", str(good)],  # noqa: S603, S607
                          capture_output=True, text=True, check=False)
    assert read.returncode == 0, read.stderr
    assert read.stdout == "Metro Police Department|[7, 1]|4"
    refused = subprocess.run(["sh", "-c", helper, "sh", str(bad)],  # noqa: S603, S607
                             capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and refused.stdout == ""

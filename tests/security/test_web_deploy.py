"""SECURITY.md W-2 (HSTS) and W-4: production refuses debug and a missing secret, and
check-deploy reports unsafe settings."""

import pytest
from sqlalchemy import select

from tests.conftest import login
from tracker import create_app
from tracker.accounts.roles import Role
from tracker.audit.models import AuditRecord
from tracker.deploy import UnsafeConfiguration
from tracker.extensions import db


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"}


def test_production_refuses_debug(instance):
    with pytest.raises(UnsafeConfiguration, match="debug"):
        create_app({**instance, "PRODUCTION": True, "DEBUG": True, "SECRET_KEY": "s" * 40})


def test_production_refuses_a_generated_secret(instance, tmp_path):
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app({**instance, "PRODUCTION": True})
    assert not (tmp_path / "instance" / "secret_key").exists()  # refused before writing


def test_production_forces_secure_cookies_and_sends_hsts(instance):
    app = create_app({**instance, "PRODUCTION": True, "SECRET_KEY": "s" * 40})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_hsts_outside_production(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_check_deploy_lists_problems_of_the_default_setup(instance):
    app = create_app(instance)
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    for words in ("PRODUCTION is off", "SECRET_KEY is generated", "SESSION_COOKIE_SECURE",
                  "PUBLIC_BASE_URL", "SQLite", "MAIL_SERVER"):
        assert words in result.output


def test_check_deploy_passes_a_hardened_setup(instance):
    app = create_app({
        **instance, "PRODUCTION": True, "SECRET_KEY": "s" * 40,
        "PUBLIC_BASE_URL": "https://tracker.agency.example.gov",
        "MAIL_SERVER": "smtp.agency.example.gov", "MAIL_SECURITY": "starttls"})
    with app.app_context():
        db.create_all()  # check-deploy looks for demo accounts in it
    # Only the settings are read; no connection is made to these servers.
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://tracker@db/tracker"
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output
    assert "No unsafe production settings" in result.output


# --- behind a reverse proxy --------------------------------------------------------------


def _denied_from(app, make_user, forwarded_for: str) -> str:
    """A liaison signed in through the proxy at 10.0.0.2 is refused an admin page: the
    source address the refusal was audited with."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    login(client, make_user(Role.LIAISON))
    assert client.get("/admin/users").status_code == 403
    return db.session.scalars(select(AuditRecord.source_address)
                              .where(AuditRecord.action == "access.denied")).one()


def test_forwarded_headers_are_ignored_by_default(app, make_user):
    assert _denied_from(app, make_user, "203.0.113.7") == "10.0.0.2"


class TestBehindOneProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PROXY_COUNT": 1}

    def test_the_client_address_is_audited(self, app, make_user):
        assert _denied_from(app, make_user, "203.0.113.7") == "203.0.113.7"

    def test_a_client_cannot_choose_its_address(self, app, make_user):
        # The client sent "X-Forwarded-For: 192.0.2.1"; the proxy appended what it saw.
        assert _denied_from(app, make_user, "192.0.2.1, 203.0.113.7") == "203.0.113.7"

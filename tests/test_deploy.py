"""SECURITY.md W-2 (HSTS) and W-4: production refuses debug and a missing secret, and
check-deploy reports unsafe settings."""

import pytest

from tracker import create_app
from tracker.deploy import UnsafeConfiguration


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}"}


def test_production_refuses_debug(instance):
    with pytest.raises(UnsafeConfiguration, match="debug"):
        create_app({**instance, "PRODUCTION": True, "DEBUG": True, "SECRET_KEY": "s" * 40})


def test_production_refuses_a_generated_secret(instance):
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app({**instance, "PRODUCTION": True})


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
    # Only the setting is read; no connection is made to this server.
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://tracker@db/tracker"
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output
    assert "No unsafe production settings" in result.output

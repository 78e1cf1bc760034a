"""Rotating SECRET_KEY without signing everyone out: the old key in SECRET_KEY_FALLBACKS
keeps sessions and the CSRF tokens of forms already open valid (Flask 3.1)."""

import pytest

from tests.security.test_web_csrf import _sign_in_with_token, _token
from tests.support.accounts import signed_in
from tracker import create_app
from tracker.deploy import apply_key_rotation

OLD, NEW = "old-key-" + "a" * 32, "new-key-" + "b" * 32


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True, "SECRET_KEY": OLD}


def _open_form_then_rotate(app, client, make_user, fallbacks):
    _sign_in_with_token(client, make_user())
    token = _token(client.get("/account/security").get_data(as_text=True))  # a form left open
    # The restart with the new settings (what create_app does with them).
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=fallbacks)
    app.config.pop("WTF_CSRF_SECRET_KEY", None)
    apply_key_rotation(app.config)
    return token


def test_with_the_old_key_as_fallback_sessions_and_forms_stay_valid(app, client, make_user):
    token = _open_form_then_rotate(app, client, make_user, [OLD])
    assert signed_in(client)
    assert client.get("/account/security").status_code == 200
    # The form opened before the rotation submits (sign-out: a POST behind CSRF).
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert not signed_in(client)


def test_new_tokens_are_signed_with_the_new_key_alone(app, client, make_user):
    _open_form_then_rotate(app, client, make_user, [OLD])
    token = _token(client.get("/account/security").get_data(as_text=True))
    app.config["WTF_CSRF_SECRET_KEY"] = NEW  # the token verifies with the new key alone
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_without_the_fallback_everyone_is_signed_out(app, client, make_user):
    token = _open_form_then_rotate(app, client, make_user, [])
    assert not signed_in(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 400


def test_the_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TRACKER_SECRET_KEY", NEW)
    monkeypatch.setenv("TRACKER_SECRET_KEY_FALLBACKS", f'["{OLD}"]')
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db'}"})
    assert app.config["SECRET_KEY_FALLBACKS"] == [OLD]
    assert app.config["WTF_CSRF_SECRET_KEY"] == [OLD, NEW]

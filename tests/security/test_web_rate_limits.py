"""Rate limits on sign-in and feed routes (per client address)."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
            "FEED_RATE_LIMIT": "4 per minute"}


def test_sign_in_attempts_are_limited(client, make_user):
    user = make_user()
    for _ in range(3):
        assert client.post("/login", data={"email": user.email, "password": "wrong",
                                           "acknowledge": "y"}).status_code == 400
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "acknowledge": "y"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    # Reading the page is not limited.
    assert client.get("/login").status_code == 200


def test_feed_fetches_are_limited(client):
    statuses = [client.get("/calendar/feeds/unknown-token.ics").status_code
                for _ in range(5)]
    assert statuses == [404, 404, 404, 404, 429]


def test_limits_count_per_address(app, make_user):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    for _ in range(3):
        first.post("/login", data={"email": user.email, "password": "wrong",
                                   "acknowledge": "y"},
                   environ_base={"REMOTE_ADDR": "198.51.100.1"})
    ok = second.post("/login", data={"email": user.email, "password": PASSWORD,
                                     "acknowledge": "y"},
                     environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert ok.status_code == 302

from tests.conftest import login


def test_dashboard_after_login(client, make_user):
    user = make_user()
    login(client, user)
    assert client.get("/").status_code == 200

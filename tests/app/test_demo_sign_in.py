"""seed-demo prints everything a newcomer needs to sign in from the same terminal: each
account's key as text and as a QR code, and recovery codes that work once each."""

import io
import re

import pyotp
import segno

from tests.conftest import NOW, PASSWORD
from tracker.accounts import mfa
from tracker.accounts import services as accounts
from tracker.accounts.roles import Role
from tracker.demo import DEMO_USERS
from tracker.deploy import apply_production_defaults


def _section(output: str, email: str) -> str:
    """The lines printed for one account: from its e-mail to the next account."""
    start = output.index(f": {email}\n")
    following = [output.find(f": {e}\n", start + 1) for e, _n, _r in DEMO_USERS]
    end = min([i for i in following if i > start] + [output.index("\nSign-in asks")])
    return output[start:end]


def test_each_account_gets_a_scannable_code_and_its_key(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email, _name, _roles in DEMO_USERS:
        user = accounts.find_by_email(email)
        section = _section(result.output, email)
        assert f"authenticator key {user.totp_secret}" in section
        # The QR code encodes the same otpauth:// URI the enrolment page shows.
        uri = pyotp.TOTP(user.totp_secret).provisioning_uri(
            name=email, issuer_name=app.config["TOTP_ISSUER"])
        expected = io.StringIO()
        segno.make(uri, error="m").terminal(out=expected, compact=True, border=2)
        printed = [line.removeprefix("    ") for line in section.splitlines()
                   if line.startswith("    ") and not re.match(r"\s+(authenticator|recovery)",
                                                                line)]
        assert printed == expected.getvalue().splitlines()


def test_printed_recovery_codes_sign_in_once_and_a_new_run_replaces_them(app, runner):
    first = runner.invoke(args=["seed-demo", "--no-qr"])
    assert first.exit_code == 0, first.output
    email = "planner@demo.example.com"
    codes = re.search(r"recovery codes \(each signs in once\): (.+)",
                      _section(first.output, email)).group(1).split()
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    assert "\u2580" not in first.output and "\u2584" not in first.output  # --no-qr
    planner = accounts.find_by_email(email)
    assert mfa.verify(planner, codes[0], NOW)
    assert not mfa.verify(planner, codes[0], NOW)

    second = runner.invoke(args=["seed-demo", "--no-qr"])
    assert second.exit_code == 0
    assert not mfa.verify(planner, codes[1], NOW), "an earlier run's codes still work"


def _code_page(client, user) -> str:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "acknowledge": "y"})
    assert response.headers["Location"] == "/login/code"
    return client.get("/login/code").get_data(as_text=True)


def test_the_code_page_points_to_the_terminal_in_demo_mode_only(app, client, make_user):
    user = make_user(Role.PLANNER)
    assert "printed by <code>make run</code>" not in _code_page(client, user)
    app.config["DEMO_MODE"] = True
    assert "printed by <code>make run</code>" in _code_page(client, user)


def test_production_turns_demo_mode_off():
    config = {"PRODUCTION": True, "DEMO_MODE": True}
    apply_production_defaults(config)
    assert config["DEMO_MODE"] is False

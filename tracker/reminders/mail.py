"""Sending mail: SMTP when configured, otherwise .eml files in the instance folder so a
newcomer can read what would have been sent."""

import os
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

from tracker import links
from tracker.calendar.settings import feed_settings
from tracker.reminders.compose import ContentSettings


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int
    security: str  # "none", "starttls" or "ssl"
    username: str | None
    password: str | None
    sender: str
    folder: Path
    timeout: float = 10.0
    # What the mails say depends on (links, calendar settings): reminders/compose.py.
    content: "ContentSettings | None" = None


def settings_from_config() -> MailSettings:
    """At a boundary (the dispatch job, a CLI command): the mail and content settings
    from the app's configuration."""
    config = current_app.config
    base = links.current_base()
    return MailSettings(
        server=config.get("MAIL_SERVER") or None, port=int(config["MAIL_PORT"]),
        security=config["MAIL_SECURITY"], username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None, sender=config["MAIL_SENDER"],
        folder=Path(current_app.instance_path) / "mail",
        content=ContentSettings(base_url=base, calendar=feed_settings(config, base),
                                retention_days=config["OUTREACH_RETENTION_DAYS"],
                                render=render_template))


# Characters that end or break a header line (CR, LF, the other C0/C1 controls, DEL,
# Unicode line and paragraph separators). Titles are checked at input, but rows stored
# before that, or written by an import, must still make a well-formed header.
_HEADER_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str) -> str:
    """One line of header text: every run of control characters becomes one space."""
    return " ".join(_HEADER_BREAKERS.sub(" ", value).split())


def build(sender: str, to: str, subject: str, text: str, html: str,
          attachment: tuple[str, bytes] | None = None) -> Message:
    """multipart/mixed: the text and HTML bodies as alternatives, then the .ics.

    Built with the email package's classic MIME classes: the newer EmailMessage parses
    every header it is given into objects, which made building and sending a reminder
    cost more than composing it. Receivers parse both alike (the tests read the mails
    with the newer API)."""
    bodies = MIMEMultipart("alternative")
    bodies.attach(MIMEText(text, "plain", "utf-8"))
    bodies.attach(MIMEText(html, "html", "utf-8"))
    message = bodies
    if attachment is not None:
        name, data = attachment
        calendar = MIMEText(data.decode("utf-8"), "calendar", "utf-8")
        calendar.add_header("Content-Disposition", "attachment", filename=name)
        message = MIMEMultipart("mixed")
        message.attach(bodies)
        message.attach(calendar)
    message["From"], message["To"] = header_text(sender), header_text(to)
    subject = header_text(subject)
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    return message


class Outbox:
    """Sends a dispatch cycle's messages over one SMTP session: connecting, greeting and
    signing in for every message costs more round trips than the message itself."""

    # A session idle longer than this is checked (NOOP) before use: servers close idle
    # ones, and a message must not fail only because of that.
    IDLE_CHECK_SECONDS = 5.0

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._used_at = 0.0

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: Message, name: str) -> None:
        """Deliver or raise (OSError, smtplib.SMTPException): the caller retries later."""
        settings = self.settings
        if settings.server is None:
            # Mail holds names and event details: the owner's only (SECURITY.md D-4).
            settings.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(settings.folder / f"{name}.eml",
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(bytes(message))
            return
        try:
            self._session().send_message(message)
        except BaseException:
            self.close()  # the next message starts a clean session
            raise
        self._used_at = time.monotonic()

    def _session(self) -> smtplib.SMTP:
        if self._client is not None and (
                time.monotonic() - self._used_at > self.IDLE_CHECK_SECONDS):
            try:
                self._client.noop()
            except (OSError, smtplib.SMTPException):
                self.close()
        if self._client is None:
            self._client = _connect(self.settings)
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
    except BaseException:
        client.close()
        raise
    return client

"""Sending mail: SMTP when configured, otherwise .eml files in the instance folder so a
newcomer can read what would have been sent."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app


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


def settings_from_config() -> MailSettings:
    config = current_app.config
    return MailSettings(
        server=config.get("MAIL_SERVER") or None, port=int(config["MAIL_PORT"]),
        security=config["MAIL_SECURITY"], username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None, sender=config["MAIL_SENDER"],
        folder=Path(current_app.instance_path) / "mail")


def build(sender: str, to: str, subject: str, text: str, html: str,
          attachment: tuple[str, bytes] | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="text", subtype="calendar", filename=name)
    return message


def send(message: EmailMessage, settings: MailSettings, name: str) -> None:
    """Deliver or raise (OSError, smtplib.SMTPException): the caller retries later."""
    if settings.server is None:
        settings.folder.mkdir(parents=True, exist_ok=True)
        (settings.folder / f"{name}.eml").write_bytes(bytes(message))
        return
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)

"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 that keeps what it receives.

The tracker talks to it over a real socket with smtplib, so a test sees exactly what a
mail server would (envelope, headers, MIME parts), and can stop and restart it on the
same port to simulate an outage.
"""

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on. aiosmtpd cannot take port=0 (its readiness check
    connects to the port it was given), so ask the OS for one and hand that over."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    received_at: float = 0.0  # time.time() when accepted

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=default_policy)


class RecordingHandler:
    """Accepts every message and keeps it; the controller's loop runs in its own thread,
    hence the lock. With a delay, each message is accepted only after that many seconds
    (a slow server: the sender waits for the reply to its DATA)."""

    def __init__(self, delay: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by name
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self._received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                           bytes(envelope.content), time.time()))
        return "250 Message accepted for delivery"

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()


class SmtpServer:
    """start(), stop() (connections are then refused) and start() again on the same port;
    what arrived before and after the outage stays in one list."""

    def __init__(self, host: str = HOST, delay: float = 0.0) -> None:
        self.host = host
        self.port = free_port(host)
        self.handler = RecordingHandler(delay)
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> "SmtpServer":
        if self._controller is None:
            controller = Controller(self.handler, hostname=self.host, port=self.port,
                                    ready_timeout=5)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[Received]:
        return self.handler.received()

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received()]

    def clear(self) -> None:
        self.handler.clear()

    def configure(self, app) -> None:
        """Point the app's mail settings at this server (plain SMTP, no login)."""
        app.config.update(MAIL_SERVER=self.host, MAIL_PORT=self.port, MAIL_SECURITY="none")

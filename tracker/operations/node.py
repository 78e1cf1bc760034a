"""The life of one `flask --app tracker scheduler` process: start, stand by or lead, stop.

The process wraps the job set (tracker/scheduler.py builds it) and starts it only while
it leads (tracker/operations/leadership.py). Start, taking the lead and stop are logged
and audited; SIGTERM (systemd's stop) and SIGINT stop it cleanly: running jobs finish,
the lead is given up at once so a standby takes over without waiting for the lease."""

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from tracker import work
from tracker.audit import services as audit
from tracker.audit.context import Origin, set_origin
from tracker.db import utcnow
from tracker.extensions import db
from tracker.operations.leadership import Election, current

log = logging.getLogger(__name__)


def node_name(configured: str | None = None) -> str:
    """The node's name (SCHEDULER_NODE_NAME, else the host name) and the process id:
    tells the nodes apart and each restart from the last."""
    return f"{configured or socket.gethostname()}:{os.getpid()}"


def _audit(action: str, changes: dict) -> None:
    set_origin(Origin(source_address="cli:scheduler"))
    work.run(lambda: audit.record(None, action, "scheduler", changes=changes))


class Node:
    def __init__(self, app: Flask, build_jobs: Callable[[], BaseScheduler],
                 name: str | None = None, on_stop: Callable[[], None] | None = None) -> None:
        self.app, self.build_jobs, self.on_stop = app, build_jobs, on_stop
        self.name = name or node_name()
        self.interval = float(app.config["SCHEDULER_ELECTION_SECONDS"])
        with app.app_context():
            self.election = Election(db.engine, self.name,
                                     timedelta(seconds=app.config["SCHEDULER_LEASE_SECONDS"]))
        self.stopping = threading.Event()
        self.jobs: BaseScheduler | None = None
        self._seen_leader: str | None = None

    def stop(self, signum=None, _frame=None) -> None:
        if signum is not None:
            log.info("scheduler %s: %s received, stopping", self.name,
                     signal.Signals(signum).name)
        self.stopping.set()
        if self.on_stop is not None:
            self.on_stop()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> None:
        """Until stopped: campaign every election interval, run the jobs while leading.
        (The start is audited by the command, with the job set.)"""
        log.info("scheduler %s started: standby until it leads", self.name)
        try:
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(self.interval)
        finally:
            self._shutdown()

    def step(self) -> None:
        with self.app.app_context():
            try:
                leads = self.election.campaign(db.session, utcnow())
                if leads and self.jobs is None:
                    self._lead()
                elif not leads and self.jobs is not None:
                    self._follow("lost the lead")
                elif not leads:
                    self._note_leader()
            except SQLAlchemyError as error:  # the database away: try again next time
                work.discard()
                log.warning("scheduler %s: database error (%s)", self.name,
                            type(error).__name__)
            finally:
                db.session.remove()

    def _lead(self) -> None:
        previous = self.election.previous
        log.info("scheduler %s leads%s: running the jobs", self.name,
                 f" (took over from {previous})" if previous else "")
        _audit("scheduler.lead", {"node": self.name, "previous": previous})
        self.jobs = self.build_jobs()
        self.jobs.start()
        self._seen_leader = self.name

    def _follow(self, why: str) -> None:
        log.warning("scheduler %s %s: standby", self.name, why)
        jobs, self.jobs = self.jobs, None
        if jobs is not None:
            jobs.shutdown(wait=False)  # no new runs; one running ends on its own

    def _note_leader(self) -> None:
        """A standby logs who leads whenever that changes (not at every interval)."""
        leader = current(db.session)
        name = leader.node if leader else None
        if name != self._seen_leader:
            log.info("scheduler %s standby: %s leads", self.name, name or "no one")
            self._seen_leader = name
        work.discard()

    def _shutdown(self) -> None:
        led = self.jobs is not None
        if self.jobs is not None:
            self.jobs.shutdown(wait=True)  # let a running job finish its unit of work
            self.jobs = None
        with self.app.app_context():
            self.election.resign(db.session)
            try:
                _audit("scheduler.stop", {"node": self.name, "was_leader": led})
            except Exception:  # the database may be why it stops; the log line remains
                log.exception("scheduler %s: the stop could not be audited", self.name)
            finally:
                db.session.remove()
        log.info("scheduler %s stopped", self.name)

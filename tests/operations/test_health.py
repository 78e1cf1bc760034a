"""GET /healthz: public, unaudited, not rate limited, and it tells a load balancer whether
the database answers and the scheduler process is alive."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker import create_app, scheduler
from tracker.audit import services as audit
from tracker.audit.models import AuditRecord
from tracker.db import utcnow
from tracker.extensions import db, limiter
from tracker.operations import health
from tracker.operations.models import SchedulerHeartbeat


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditRecord.id)))


def _beat(seconds_ago: float) -> None:
    health.beat(utcnow() - timedelta(seconds=seconds_ago))
    db.session.commit()


def test_ok_after_the_scheduler_job_beat(app, client):
    scheduler.run_job(app, "scheduler-heartbeat")  # its own app context, as in the process
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert 0 <= body["scheduler"]["age_seconds"] <= 90
    assert body["scheduler"]["max_age_seconds"] == 90  # three 30-second heartbeats
    db.session.expire_all()
    beat = db.session.get(SchedulerHeartbeat, health.HEARTBEAT_ID).beat_at
    assert body["scheduler"]["last_heartbeat"] == beat.isoformat(timespec="seconds")


def test_the_job_rewrites_one_row(app):
    for _ in range(3):
        scheduler.run_job(app, "scheduler-heartbeat")
    assert db.session.scalar(select(func.count(SchedulerHeartbeat.id))) == 1


def test_no_heartbeat_yet_is_degraded(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "degraded", "database": "ok", "files": "private",
        "scheduler": {"last_heartbeat": None, "age_seconds": None, "max_age_seconds": 90,
                      "leader": None, "leader_since": None},
        "audit_sealing": {"unsealed": 0, "oldest_age_seconds": None, "max_age_seconds": 300}}


def test_a_stale_heartbeat_is_degraded(client):
    _beat(seconds_ago=120)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    assert body["scheduler"]["age_seconds"] >= 120


@pytest.mark.parametrize(("config", "status"), [
    ({"HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS": 300}, 200),
    ({"SCHEDULER_HEARTBEAT_SECONDS": 60}, 200),  # 3 x 60 s
    ({"HEALTHZ_HEARTBEAT_MAX_AGE_SECONDS": 100}, 503),
])
def test_the_allowed_age_is_configurable(app, client, config, status):
    app.config.update(config)
    _beat(seconds_ago=120)
    assert client.get("/healthz").status_code == status


def test_an_unreachable_database_is_reported_without_details(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "instance"))
    missing = tmp_path / "no-such-folder" / "tracker.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "degraded", "database": "unreachable", "files": "private",
        "scheduler": {"last_heartbeat": None, "age_seconds": None, "max_age_seconds": 90,
                      "leader": None, "leader_since": None},
        "audit_sealing": {"unsealed": 0, "oldest_age_seconds": None, "max_age_seconds": 300}}
    text = response.get_data(as_text=True)
    assert str(tmp_path) not in text and "sqlite" not in text.lower()


def test_public_unaudited_and_cookie_free(client):
    _beat(seconds_ago=0)
    before = _audit_count()
    for _ in range(5):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert _audit_count() == before


class TestUnderADefaultRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        # A limit on every route, so the exemption is what keeps probes answered. The
        # limiter is one object per process and keeps the first default it is given:
        # start from, and give back, the tracker's own setting (no default limit).
        limiter.limit_manager.set_default_limits([])
        yield {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "3 per minute"}
        limiter.limit_manager.set_default_limits([])

    def test_probes_are_not_rate_limited(self, client):
        _beat(seconds_ago=0)
        assert [client.get("/login").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert {client.get("/healthz").status_code for _ in range(10)} == {200}


def test_a_scheduler_start_is_audited(app):
    sched = scheduler.build(app)
    scheduler.record_start(sched)
    row = db.session.scalars(select(AuditRecord)
                             .where(AuditRecord.action == "scheduler.start")).one()
    assert row.source_address == "cli:scheduler"
    assert row.changes == {"jobs": sorted(scheduler.JOBS)}


def test_a_sealing_backlog_older_than_five_minutes_is_degraded(app, client):
    _beat(seconds_ago=0)
    audit.record(None, "event.update", "event", 1, now=utcnow() - timedelta(minutes=4))
    db.session.commit()
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert fresh.get_json()["audit_sealing"]["unsealed"] == 1
    audit.record(None, "event.update", "event", 2, now=utcnow() - timedelta(minutes=6))
    db.session.commit()
    stale = client.get("/healthz")
    assert stale.status_code == 503
    body = stale.get_json()
    assert body["status"] == "degraded" and body["scheduler"]["age_seconds"] <= 90
    assert body["audit_sealing"]["unsealed"] == 2
    assert 360 <= body["audit_sealing"]["oldest_age_seconds"] < 400
    scheduler.run_job(app, "audit-seal")
    sealed = client.get("/healthz")
    assert sealed.status_code == 200
    assert sealed.get_json()["audit_sealing"] == {
        "unsealed": 0, "oldest_age_seconds": None, "max_age_seconds": 300}

"""SECURITY.md U-3 under load: writers take no lock, a record that commits out of id order
is sealed in the next block, sealers never seal a record twice, and `audit verify` run
while the application writes never raises a false alarm. Real threads and connections."""

import threading
import time
import uuid

import pytest
from sqlalchemy import func, insert, select, text

from tracker.audit import keys, sealing, verification
from tracker.audit import services as audit
from tracker.audit.models import AuditBlock, AuditBlockRecord, AuditRecord
from tracker.db import utcnow
from tracker.extensions import db

RECORDS = AuditRecord.__table__


@pytest.fixture
def settings(app) -> keys.AuditSettings:
    return keys.AuditSettings.from_config(app.config, app.instance_path)


def _row(action: str) -> dict:
    return {"at": utcnow(), "actor_label": "system", "action": action,
            "object_type": "test", "outcome": "success", "source_address": "local",
            "request_id": uuid.uuid4().hex}


def _members(block: int) -> list[int]:
    return list(db.session.scalars(select(AuditBlockRecord.record_id)
                                   .where(AuditBlockRecord.block_id == block)
                                   .order_by(AuditBlockRecord.record_id)))


@pytest.mark.postgresql_only("transactions that commit out of id order")
def test_a_record_committed_out_of_id_order_lands_in_the_next_block(app, settings):
    with db.engine.connect() as slow, db.engine.connect() as fast:
        early = slow.execute(insert(RECORDS).values(_row("slow")).returning(RECORDS.c.id)
                             ).scalar_one()
        # No lock is shared with the slow writer: this would time out if there were one.
        fast.execute(text("SET lock_timeout = '2s'"))
        late = fast.execute(insert(RECORDS).values(_row("fast")).returning(RECORDS.c.id)
                            ).scalar_one()
        fast.commit()
        assert late > early
        assert sealing.seal(settings, utcnow()).blocks == [1]
        assert _members(1) == [late]  # the uncommitted lower id is not there yet
        slow.commit()
    assert sealing.seal(settings, utcnow()).blocks == [2]
    assert _members(2) == [early]  # sealed in the next block, not skipped
    report = verification.verify(settings)
    assert report.ok and (report.sealed, report.unsealed) == (2, 0), report.problems


@pytest.mark.sqlite_only("the SQLite write lock is the only lock")
def test_writers_take_no_lock_beyond_the_database_write(app, settings):
    """On SQLite a write holds the database's write lock anyway; recording takes no
    other (no chain head row is read or written)."""
    statements: list[str] = []
    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: statements.append(statement))
    audit.record(None, "test.write", "test")
    db.session.commit()
    assert [s.split()[0] for s in statements] == ["INSERT"]


def _seal_concurrently(app, settings_list, rounds: int, stop: threading.Event,
                       failures: list) -> list[threading.Thread]:
    def sealer(settings):
        with app.app_context():
            try:
                for _ in range(rounds):
                    sealing.seal(settings, utcnow())
                    if stop.is_set():
                        break
                    # The scheduler seals once a minute; a sealer that re-locks at once
                    # would starve a verifier waiting for the anchor's shared lock.
                    time.sleep(0.02)
            except Exception as error:
                failures.append(repr(error))
            finally:
                db.session.remove()

    return [threading.Thread(target=sealer, args=(s,)) for s in settings_list]


def _write(app, count: int, failures: list, label: str,
           until: threading.Event | None = None, pause: float = 0) -> threading.Thread:
    """A writer of `count` records, or fewer if `until` is set first; `pause` seconds
    between commits keep it writing while the checks run, however fast it could go."""
    def writer():
        with app.app_context():
            try:
                n = 0
                while n < count and not (until and until.is_set()):
                    audit.record(None, "test.write", "test", f"{label}-{n}")
                    db.session.commit()
                    n += 1
                    if pause and until is not None:
                        until.wait(pause)
            except Exception as error:
                failures.append(repr(error))
            finally:
                db.session.remove()

    return threading.Thread(target=writer)


@pytest.mark.parametrize("hosts", [1, 2], ids=["one host", "two hosts"])
def test_two_sealers_at_once(app, settings, hosts, tmp_path):
    """Two sealers while two writers write: every record in exactly one block, the
    blocks numbered without gaps and chained. With two hosts (two anchor files) only
    the database's seal lock keeps them apart; each anchor catches up on the other's
    blocks."""
    other = (settings if hosts == 1 else
             keys.AuditSettings(settings.key_folder, tmp_path / "other-host-anchor.log"))
    for each in (settings, other):
        each.anchor_file.touch()  # each host's anchor exists from the start
    failures: list[str] = []
    stop = threading.Event()
    threads = [_write(app, 40, failures, "a"), _write(app, 40, failures, "b"),
               *_seal_concurrently(app, [settings, other], 15, stop, failures)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for each in (settings, other):
        sealing.seal(each, utcnow())  # the last records, and the anchors catch up
    total = db.session.scalar(select(func.count(AuditRecord.id)))
    assert total == 80
    assert db.session.scalar(select(func.count(AuditBlockRecord.record_id))) == total
    numbers = list(db.session.scalars(select(AuditBlock.id).order_by(AuditBlock.id)))
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2
    for each in (settings, other):
        report = verification.verify(each)
        assert report.ok and report.sealed == total, report.problems


def test_verify_fifty_times_while_four_threads_write(app, settings):
    """No false alarm: each verification reads one snapshot, and the anchor at the same
    moment, while writers commit and a sealer seals."""
    failures: list[str] = []
    stop = threading.Event()
    # Enough records that the writers are still at work for most of the 50 checks (on
    # the slower machine), few enough that the trail stays small.
    writers = [_write(app, 400, failures, str(n), until=stop, pause=0.01)
               for n in range(4)]
    [sealer] = _seal_concurrently(app, [settings], 1_000_000, stop, failures)
    for thread in [*writers, sealer]:
        thread.start()
    reports = []
    try:
        for _ in range(50):
            reports.append(verification.verify(settings))
    finally:
        stop.set()
        for thread in [*writers, sealer]:
            thread.join()
    assert failures == []
    alarms = [r.problems for r in reports if not r.ok]
    assert alarms == []
    # The checks ran over a trail that grew and was sealed while they ran.
    assert len({(r.sealed, r.unsealed) for r in reports}) > 3
    assert max(r.blocks for r in reports) >= 2
    sealing.seal(settings, utcnow())
    final = verification.verify(settings)
    total = db.session.scalar(select(func.count(AuditRecord.id)))
    assert final.ok and (final.sealed, final.unsealed) == (total, 0)

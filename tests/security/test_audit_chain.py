"""SECURITY.md U-3: the audit trail is sealed in signed blocks whose digests chain, with
the latest digest also in an anchor file outside the database. Each tamper below is done
as an attacker with write access to the database would: straight SQL, recomputing every
hash that needs no key. `audit verify` names each one and where it is."""

import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from tests.conftest import NOW
from tracker.accounts.roles import Role
from tracker.audit import anchor, chain, keys, sealing, verification
from tracker.audit import services as audit
from tracker.audit.models import AuditBlock, AuditBlockRecord, AuditRecord
from tracker.db import utcnow
from tracker.extensions import db


@pytest.fixture
def settings(app) -> keys.AuditSettings:
    return keys.AuditSettings.from_config(app.config, app.instance_path)


@pytest.fixture
def trail(make_user, make_event, settings):
    """Real records (accounts, events with their checklists) sealed in two blocks."""
    planner = make_user(Role.PLANNER)
    for n in range(3):
        make_event(planner, title=f"Event {n}")
    assert sealing.seal(settings, utcnow()).blocks == [1]
    make_event(planner, title="Later event")
    audit.record(planner, "audit.read", "audit_trail", now=NOW)
    db.session.commit()
    assert sealing.seal(settings, utcnow()).blocks == [2]
    ids = _ids("SELECT id FROM audit_record ORDER BY id")
    assert len(ids) >= 10
    return ids


def _ids(sql: str, **params) -> list[int]:
    return [row[0] for row in db.session.execute(text(sql), params)]


def _raw(sql: str, **params) -> None:
    """Tamper as an attacker with database access would: straight SQL, no ORM."""
    db.session.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def _problems(settings) -> list[tuple[str, str]]:
    report = verification.verify(settings)
    return [(p.kind, p.where) for p in report.problems]


def _members(block: int) -> list[int]:
    return _ids("SELECT record_id FROM audit_block_record WHERE block_id = :b "
                "ORDER BY record_id", b=block)


def _rehash_block(number: int, signer: keys.Signer | None = None) -> None:
    """Recompute block `number`'s record hashes and digest, and re-chain the blocks after
    it, as an attacker without the key can; with `signer`, also re-sign (another key)."""
    prev = db.session.scalar(select(AuditBlock.digest).where(AuditBlock.id == number - 1)
                             ) or chain.GENESIS
    for block in db.session.scalars(select(AuditBlock).where(AuditBlock.id >= number)
                                    .order_by(AuditBlock.id)).all():
        members = []
        for record_id in _members(block.id):
            row = db.session.get(AuditRecord, record_id)
            members.append((record_id, chain.record_hash(row)))
            _raw("UPDATE audit_block_record SET record_hash = :h WHERE record_id = :i",
                 h=members[-1][1], i=record_id)
        digest = chain.block_digest(block.id, prev, block.sealed_at, members)
        values = {"p": prev, "d": digest, "n": len(members), "b": block.id,
                  "s": block.signature, "k": block.key_id, "pk": block.public_key}
        if signer is not None:
            values.update(s=signer.sign(chain.signed_message(block.id, digest)),
                          k=signer.key_id, pk=signer.public_hex)
        _raw("UPDATE audit_block SET prev_digest = :p, digest = :d, record_count = :n, "
             "signature = :s, key_id = :k, public_key = :pk WHERE id = :b", **values)
        prev = digest


def test_sealed_trail_verifies(trail, settings):
    report = verification.verify(settings)
    assert report.ok, report.problems
    assert (report.blocks, report.sealed, report.unsealed) == (2, len(trail), 0)
    assert _members(1) + _members(2) == trail
    key_file = settings.key_folder / keys.PRIVATE_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.key_folder.stat().st_mode) == 0o700
    assert [e.block for e in anchor.read(settings.anchor_file)] == [1, 2]
    # The key is nowhere in the database: only its id and public part are.
    private = key_file.read_bytes()
    assert b"PRIVATE KEY" in private
    blocks = db.session.execute(text("SELECT * FROM audit_block")).all()
    assert not any(b"PRIVATE" in str(row).encode() for row in blocks)


def test_unsealed_records_are_reported_with_their_age(trail, settings, make_user):
    make_user(Role.LIAISON)
    report = verification.verify(settings)
    assert report.ok and report.unsealed >= 1 and report.oldest_unsealed is not None


def test_nothing_to_seal_makes_no_block(trail, settings):
    result = sealing.seal(settings, utcnow())
    assert (result.blocks, result.records) == ([], 0)
    assert db.session.scalar(select(AuditBlock.id).order_by(AuditBlock.id.desc())) == 2


# --- each tamper, named and located ---------------------------------------------------


def test_wiping_everything_is_found(trail, settings):
    _raw("DELETE FROM audit_block_record")
    _raw("DELETE FROM audit_block")
    _raw("DELETE FROM audit_record")
    assert _problems(settings) == [("trail wiped", "the whole trail")]


def test_truncating_the_end_is_found(trail, settings):
    """The last block and its records removed: the chain that remains is consistent,
    only the anchor shows what is missing."""
    last = _members(2)
    _raw("DELETE FROM audit_block_record WHERE block_id = 2")
    _raw("DELETE FROM audit_block WHERE id = 2")
    _raw(f"DELETE FROM audit_record WHERE id >= {last[0]}")  # noqa: S608 (an int)
    assert _problems(settings) == [("trail truncated", "the end of the trail (after block 1)")]
    with pytest.raises(sealing.SealRefused, match="does not match its anchor at block 2"):
        sealing.seal(settings, utcnow())


def test_a_changed_record_is_found(trail, settings):
    target = trail[len(trail) // 2]
    _raw("UPDATE audit_record SET outcome = 'denied' WHERE id = :i", i=target)
    [(kind, where)] = _problems(settings)
    assert kind == "record changed" and where.startswith(f"record {target} (block ")


@pytest.mark.parametrize("column", ["action", "object_id", "source_address",
                                    "actor_label", "request_id"])
def test_a_one_character_change_is_found(trail, settings, column):
    target = trail[3]
    # The column name comes from the parametrize list above, never from input.
    _raw(f"UPDATE audit_record SET {column} = {column} || 'x' WHERE id = :i", i=target)  # noqa: S608
    assert _problems(settings) == [("record changed", f"record {target} (block 1)")]


def test_changed_time_or_changes_are_found(trail, settings):
    _raw("UPDATE audit_record SET changes = '{\"kind\": \"changed\"}' WHERE id = :i",
         i=trail[2])
    assert _problems(settings) == [("record changed", f"record {trail[2]} (block 1)")]


def test_an_edit_rehashed_without_the_key_is_found(trail, settings):
    """Record hash, block digest and the next block's link all recomputed: the
    signatures no longer match."""
    _raw("UPDATE audit_record SET outcome = 'denied' WHERE id = :i", i=trail[1])
    _rehash_block(1)
    # The anchor file, out of the intruder's reach, disagrees with both new digests too.
    assert _problems(settings) == [("forged block", "block 1"), ("block replaced", "block 1"),
                                   ("forged block", "block 2"), ("block replaced", "block 2")]


def test_a_deletion_in_the_middle_is_found(trail, settings):
    target = trail[4]
    _raw("DELETE FROM audit_block_record WHERE record_id = :i", i=target)
    _raw("DELETE FROM audit_record WHERE id = :i", i=target)
    assert _problems(settings) == [("records deleted", "block 1")]


def test_a_deletion_in_the_middle_rehashed_is_found(trail, settings):
    _raw("DELETE FROM audit_block_record WHERE record_id = :i", i=trail[4])
    _raw("DELETE FROM audit_record WHERE id = :i", i=trail[4])
    _rehash_block(1)
    assert ("forged block", "block 1") in _problems(settings)


def test_a_deleted_block_in_the_middle_is_found(trail, settings):
    _raw("DELETE FROM audit_block_record WHERE block_id = 1")
    _raw("DELETE FROM audit_block WHERE id = 1")
    assert _problems(settings) == [("blocks deleted", "blocks 1 to 1")]


def test_a_block_signed_with_another_key_is_found(trail, settings):
    """The intruder re-seals an edited block with a key of their own and stores its
    public part beside the block: it is not one of the installation's keys."""
    intruder = keys.Signer(Ed25519PrivateKey.generate())
    _raw("UPDATE audit_record SET action = 'event.view' WHERE id = :i", i=trail[2])
    _rehash_block(1, signer=intruder)
    assert _problems(settings) == [("forged block", "block 1"), ("block replaced", "block 1"),
                                   ("forged block", "block 2"), ("block replaced", "block 2")]
    assert intruder.key_id in str(verification.verify(settings).problems[0])


def test_a_forged_block_appended_is_found(trail, settings, make_user):
    make_user(Role.LIAISON)
    intruder = keys.Signer(Ed25519PrivateKey.generate())
    previous = db.session.get(AuditBlock, 2)
    rows = list(db.session.execute(select(AuditRecord.__table__).where(
        sealing.unsealed_condition()).order_by(AuditRecord.id)))
    members = [(row.id, chain.record_hash(row)) for row in rows]
    digest = chain.block_digest(3, previous.digest, NOW, members)
    db.session.add(AuditBlock(
        id=3, sealed_at=NOW, record_count=len(rows), first_record_id=rows[0].id,
        last_record_id=rows[-1].id, prev_digest=previous.digest, digest=digest,
        key_id=intruder.key_id, public_key=intruder.public_hex,
        signature=intruder.sign(chain.signed_message(3, digest))))
    db.session.add_all(AuditBlockRecord(record_id=i, block_id=3, record_hash=h)
                       for i, h in members)
    db.session.commit()
    assert _problems(settings) == [("forged block", "block 3"),
                                   ("anchor behind", "blocks 3 to 3")]
    with pytest.raises(sealing.SealRefused, match="Block 3 is not anchored"):
        sealing.seal(settings, utcnow())


def test_a_missing_anchor_is_found(trail, settings):
    settings.anchor_file.unlink()
    assert _problems(settings) == [("anchor missing", str(settings.anchor_file))]
    with pytest.raises(sealing.SealRefused, match="anchor file is missing"):
        sealing.seal(settings, utcnow())


def test_an_anchor_behind_is_found(trail, settings):
    lines = settings.anchor_file.read_text().splitlines(keepends=True)
    settings.anchor_file.write_text(lines[0])
    assert _problems(settings) == [("anchor behind", "blocks 2 to 2")]


def test_an_interrupted_seal_is_anchored_by_the_next(trail, settings, make_user):
    """A seal that committed but stopped before its anchor line: the next seal checks
    the block's signature and anchors it."""
    lines = settings.anchor_file.read_text().splitlines(keepends=True)
    settings.anchor_file.write_text(lines[0])
    make_user(Role.LIAISON)
    assert sealing.seal(settings, utcnow()).anchored == [2, 3]
    assert verification.verify(settings).ok


def test_a_replaced_anchor_line_is_found(trail, settings):
    entries = anchor.read(settings.anchor_file)
    settings.anchor_file.write_text("")
    anchor.append(settings.anchor_file, [entries[0], anchor.Entry(
        **{**entries[1].__dict__, "digest": "f" * 64})])
    assert _problems(settings) == [("block replaced", "block 2")]


# --- keys -----------------------------------------------------------------------------


def test_key_rotation_keeps_older_blocks_verifiable(trail, settings, runner, make_user):
    old_id = db.session.scalar(select(AuditBlock.key_id).where(AuditBlock.id == 1))
    make_user(Role.LIAISON)  # pending: sealed with the old key before the rotation
    result = runner.invoke(args=["audit", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert f"{old_id} -> " in result.output
    make_user(Role.LIAISON)
    assert sealing.seal(settings, utcnow()).blocks == [4]
    db.session.expire_all()
    key_ids = list(db.session.scalars(select(AuditBlock.key_id).order_by(AuditBlock.id)))
    assert key_ids[:3] == [old_id] * 3 and key_ids[3] != old_id
    assert verification.verify(settings).ok
    assert set(keys.listed_keys(settings)) == {old_id, key_ids[3]}
    key_file = settings.key_folder / keys.PRIVATE_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    rotation = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "audit.key_rotate")).one()
    assert rotation.changes == {"old_key_id": old_id, "new_key_id": key_ids[3]}


def test_a_lost_public_key_list_makes_old_blocks_unverifiable(trail, settings, runner):
    """What the README warns about: keep public-keys.txt with the key."""
    runner.invoke(args=["audit", "rotate-key"])
    (settings.key_folder / keys.PUBLIC_FILE).unlink()
    assert ("forged block", "block 1") in _problems(settings)


def test_a_key_from_the_environment_is_used_and_listed(app, settings, make_user):
    from cryptography.hazmat.primitives import serialization

    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    app.config["AUDIT_SIGNING_KEY"] = pem
    configured = keys.AuditSettings.from_config(app.config, app.instance_path)
    make_user(Role.LIAISON)
    result = sealing.seal(configured, utcnow())
    assert result.key_id == keys.key_id_of(private.public_key())
    assert not (settings.key_folder / keys.PRIVATE_FILE).exists()
    assert result.key_id in keys.listed_keys(configured)
    assert verification.verify(configured).ok
    with pytest.raises(keys.ValidationError, match="TRACKER_AUDIT_SIGNING_KEY"):
        keys.rotate(configured)


# --- the command line -----------------------------------------------------------------


def test_cli_seals_verifies_and_names_the_problem(app, runner, make_user, settings):
    make_user(Role.PLANNER)
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "into block 1" in sealed.output
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "Audit trail intact: 1 block," in ok.output
    target = _members(1)[0]
    _raw("UPDATE audit_record SET action = 'x' WHERE id = :i", i=target)
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"record changed, record {target} (block 1)" in broken.output
    os.remove(settings.anchor_file)
    refused = runner.invoke(args=["audit", "seal"])
    assert refused.exit_code == 1 and "anchor file is missing" in refused.output


# --- after a restore ------------------------------------------------------------------


def test_after_restoring_a_backup_a_new_anchor_is_started(trail, settings, runner):
    """A restored backup lacks the blocks sealed after it: verify says so, and sealing
    stops until an operator starts a new anchor, which keeps the old one."""
    _raw("DELETE FROM audit_block_record WHERE block_id = 2")
    _raw("DELETE FROM audit_block WHERE id = 2")
    assert ("trail truncated", "the end of the trail (after block 1)") in _problems(settings)
    result = runner.invoke(args=["audit", "reanchor"])
    assert result.exit_code == 0, result.output
    assert "New anchor with 1 block." in result.output
    [kept] = settings.anchor_file.parent.glob("audit-anchor.log.replaced-*")
    assert [e.block for e in anchor.read(kept)] == [1, 2]  # the evidence stays
    assert [e.block for e in anchor.read(settings.anchor_file)] == [1]
    assert sealing.seal(settings, utcnow()).blocks == [2]  # the unsealed records again
    assert verification.verify(settings).ok


def test_a_new_anchor_is_refused_over_a_forged_block(trail, settings, runner):
    _raw("UPDATE audit_record SET outcome = 'denied' WHERE id = :i", i=trail[1])
    _rehash_block(1)
    result = runner.invoke(args=["audit", "reanchor"])
    assert result.exit_code == 1 and "forged block, block 1" in result.output
    assert len(anchor.read(settings.anchor_file)) == 2

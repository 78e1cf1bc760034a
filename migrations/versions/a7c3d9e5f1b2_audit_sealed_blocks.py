"""audit trail in sealed, signed blocks; 304 feed fetches counted per hour

The per-record hash chain (and its head row, which every audited write locked) gives
way to sealed blocks. The existing chain is verified first: a broken chain stops the
upgrade, naming the record, so no tampering is carried over unnoticed. The records then
wait, unsealed, for the first `flask --app tracker audit seal` (or the scheduler's first
run), which seals them into block 1 with the installation's signing key: a key the
migration does not touch, because it lives outside the database.

Revision ID: a7c3d9e5f1b2
Revises: a4d9e6c1f207
Create Date: 2026-12-02 04:40:00.000000

"""
import hashlib
import json
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3d9e5f1b2'
down_revision = 'a4d9e6c1f207'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


class BrokenLegacyChain(RuntimeError):
    pass


def upgrade():
    _verify_legacy_chain()
    op.create_table('audit_block',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('first_record_id', sa.Integer(), nullable=False),
    sa.Column('last_record_id', sa.Integer(), nullable=False),
    sa.Column('prev_digest', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_block')),
    sa.UniqueConstraint('digest', name=op.f('uq_audit_block_digest'))
    )
    op.create_table('audit_block_record',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('block_id', sa.Integer(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['block_id'], ['audit_block.id'],
                            name=op.f('fk_audit_block_record_block_id_audit_block')),
    sa.ForeignKeyConstraint(['record_id'], ['audit_record.id'],
                            name=op.f('fk_audit_block_record_record_id_audit_record')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_audit_block_record'))
    )
    with op.batch_alter_table('audit_block_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_block_record_block_id'), ['block_id'],
                              unique=False)
    op.create_table('calendar_feed_fetch_count',
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_modified', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['calendar_feed.id'],
                            name=op.f('fk_calendar_feed_fetch_count_feed_id_calendar_feed')),
    sa.PrimaryKeyConstraint('feed_id', 'hour', name=op.f('pk_calendar_feed_fetch_count'))
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_record_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('audit_chain_head')


def downgrade():
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    last = _rechain()
    op.execute(sa.text("INSERT INTO audit_chain_head (id, last_hash) VALUES (1, :h)")
               .bindparams(h=last))
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_record_hash'), ['hash'])
    op.drop_table('calendar_feed_fetch_count')
    with op.batch_alter_table('audit_block_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_block_record_block_id'))
    op.drop_table('audit_block_record')
    op.drop_table('audit_block')


# --- the legacy chain (a frozen copy of the old tracker/audit/chain.py) -------------------


def _iso(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _link(prev: str, row) -> str:
    changes = json.loads(row.changes) if isinstance(row.changes, str) else row.changes
    content = json.dumps([
        _iso(row.at), row.actor_id, row.actor_label, row.action, row.object_type,
        row.object_id, row.outcome, row.source_address, row.request_id, changes],
        sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev + content).encode()).hexdigest()


COLUMNS = ("id, at, actor_id, actor_label, action, object_type, object_id, outcome, "
           "source_address, request_id, changes")


def _verify_legacy_chain() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT {COLUMNS}, prev_hash, hash FROM audit_record "
                                "ORDER BY id"))
    prev = GENESIS
    for row in rows:
        if row.prev_hash != prev or _link(prev, row) != row.hash:
            raise BrokenLegacyChain(
                f"The audit trail's hash chain is broken at record {row.id}: the upgrade "
                "stops so that no tampering is sealed in. Investigate with `flask --app "
                "tracker audit verify` on the previous release and restore a backup.")
        prev = row.hash
    head = bind.execute(sa.text("SELECT last_hash FROM audit_chain_head WHERE id = 1")
                        ).scalar()
    if head is not None and head != prev:
        raise BrokenLegacyChain("The audit trail's hash chain is broken at its end: "
                                "records were removed. The upgrade stops.")


def _rechain() -> str:
    """Downgrade: give every record its place in the old chain again."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT {COLUMNS} FROM audit_record ORDER BY id")).all()
    prev = GENESIS
    for row in rows:
        digest = _link(prev, row)
        bind.execute(sa.text("UPDATE audit_record SET prev_hash = :p, hash = :h "
                             "WHERE id = :i"), {"p": prev, "h": digest, "i": row.id})
        prev = digest
    return prev

"""The append-only audit trail."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.db import Base, UTCDateTime, utcnow


class AuditRecord(Base):
    """One security-relevant action. Never updated or deleted by the application.

    `changes` lists the fields a change touched; values are copied only for fields that
    cannot hold personal information (status, kind, times), see audit.services.diff.
    """

    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Kept as text so the record reads the same after the account changes.
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    source_address: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)


class AuditBlock(Base):
    """A sealed block: the digest over its records' hashes and the previous block's
    digest, signed with a key kept outside the database (tracker/audit/sealing.py).
    The number is the block's id: 1, 2, 3 ... with no gaps."""

    __tablename__ = "audit_block"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    record_count: Mapped[int] = mapped_column(Integer)
    # The lowest and highest record id in the block (records commit out of id order, so
    # blocks' ranges may overlap: membership is what counts).
    first_record_id: Mapped[int] = mapped_column(Integer)
    last_record_id: Mapped[int] = mapped_column(Integer)
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Which key signed it: a block signed by any key this installation does not hold
    # the public part of (outside the database) does not verify.
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class AuditBlockRecord(Base):
    """Membership: which block sealed a record, and the record's hash at that moment.
    A record with no row here is not sealed yet."""

    __tablename__ = "audit_block_record"

    record_id: Mapped[int] = mapped_column(ForeignKey("audit_record.id"), primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("audit_block.id"), index=True)
    record_hash: Mapped[str] = mapped_column(String(64))


APPEND_ONLY = (AuditRecord, AuditBlock, AuditBlockRecord)


class AuditIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_rewrites(state):
    """Bulk UPDATE/DELETE statements bypass flush; refuse them on the audit tables too."""
    if (state.is_update or state.is_delete) and any(
            mapper.class_ in APPEND_ONLY for mapper in state.all_mappers):
        raise AuditIsAppendOnly("audit records cannot be changed or deleted")


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY):
            raise AuditIsAppendOnly("audit records cannot be changed or deleted")

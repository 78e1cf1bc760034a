"""The append-only audit trail."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
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
    # Tamper evidence: each record's hash covers its content and the previous hash.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """One row: the hash of the newest audit record. Locked while a record is written,
    so records chain in order even with several writers."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_rewrites(state):
    """Bulk UPDATE/DELETE statements bypass flush; refuse them on the audit table too."""
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is AuditRecord for mapper in state.all_mappers):
        raise AuditIsAppendOnly("audit records cannot be changed or deleted")


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditRecord):
            raise AuditIsAppendOnly("audit records cannot be changed or deleted")

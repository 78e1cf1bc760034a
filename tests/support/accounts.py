"""Helpers shared by the account and sign-in tests."""

import json

from sqlalchemy import select

from tracker.accounts.models import User
from tracker.audit.models import AuditRecord
from tracker.extensions import db


def audit_rows(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))


def as_json(row: AuditRecord) -> str:
    return json.dumps({c.name: getattr(row, c.name) for c in AuditRecord.__table__.columns},
                      default=str)


def fresh_user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200

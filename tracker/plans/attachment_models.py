"""Documents attached to a plan version: the permit, a site map, the traffic plan, a
legal review and the like.

The bytes live in the file store (tracker/storage.py) under a random key; the row holds
what was checked (the type found in the content, the size, the SHA-256). The uploaded
file's own name is not kept (it may name a person): downloads are named from the kind
and the version. A new version of the plan carries its predecessor's attachments (rows
sharing the stored file); the file is removed when no row refers to it any more."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime, utcnow
from tracker.plans.models import PlanVersion

#: kind -> label
ATTACHMENT_KINDS = {
    "permit": "Permit",
    "site_map": "Site map",
    "traffic_plan": "Traffic plan",
    "legal_review": "Legal review",
    "other": "Other document",
}


class PlanAttachment(Base):
    __tablename__ = "plan_attachment"
    __table_args__ = (
        CheckConstraint("kind IN ('permit', 'site_map', 'traffic_plan', 'legal_review', "
                        "'other')", name="kind_known"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[PlanVersion] = relationship()
    uploaded_by: Mapped[User] = relationship()

    @property
    def kind_label(self) -> str:
        return ATTACHMENT_KINDS.get(self.kind, self.kind)

    @property
    def download_name(self) -> str:
        return f"{self.kind.replace('_', '-')}-{self.id}.{self.extension}"

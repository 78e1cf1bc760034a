"""Social-media and open-source authorizations (Global Justice Information Sharing
Initiative guidance on social media, 2013): before any online work for an event beyond
reading public notices, a request names the level of engagement, the purpose, the
criminal predicate where the level needs one, the platforms and the period. Leadership
authorizes and a privacy officer concurs; the authorization lapses by itself at the end
of its period. Work logged against it records the date and what was looked at, in
categories: never people."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.db import Base, UTCDateTime
from tracker.events.models import Event
from tracker.versioning import version_column


class EngagementLevel(StrEnum):
    PUBLIC_NOTICES = "public_notices"
    MONITORING = "monitoring"
    AGENCY_IDENTITY = "agency_identity"
    UNDERCOVER = "undercover"


LEVEL_LABELS = {
    "public_notices": "Reading public notices",
    "monitoring": "Monitoring of public posts",
    "agency_identity": "Engagement under an agency identity",
    "undercover": "Online undercover",
}
# Levels that need a documented criminal predicate (monitoring and above).
PREDICATE_LEVELS = {EngagementLevel.MONITORING, EngagementLevel.AGENCY_IDENTITY,
                    EngagementLevel.UNDERCOVER}


class Platform(StrEnum):
    PUBLIC_WEBSITES = "public_websites"
    SOCIAL_NETWORKS = "social_networks"
    VIDEO_SITES = "video_sites"
    MESSAGING_CHANNELS = "messaging_channels"
    FORUMS = "forums"
    NEWS_SITES = "news_sites"


PLATFORM_LABELS = {
    "public_websites": "Public websites", "social_networks": "Social networks",
    "video_sites": "Video sites", "messaging_channels": "Public messaging channels",
    "forums": "Forums and message boards", "news_sites": "News sites",
}


class WorkCategory(StrEnum):
    """What was looked at: the event's logistics and safety, never people."""

    TIMING = "timing"
    ROUTE_AND_SITE = "route_and_site"
    EXPECTED_SIZE = "expected_size"
    TRAFFIC_AND_CLOSURES = "traffic_and_closures"
    PUBLIC_SAFETY_HAZARDS = "public_safety_hazards"
    THREATS_OF_VIOLENCE = "threats_of_violence"
    COUNTER_EVENTS = "counter_events"


CATEGORY_LABELS = {
    "timing": "Timing", "route_and_site": "Route and site", "expected_size": "Expected size",
    "traffic_and_closures": "Traffic and closures",
    "public_safety_hazards": "Public-safety hazards",
    "threats_of_violence": "Specific threats of violence or crime",
    "counter_events": "Counter-event logistics",
}


class AuthorizationStatus(StrEnum):
    """The state of the request; 'expired' is never stored: it follows from the date."""

    REQUESTED = "requested"
    AUTHORIZED = "authorized"  # by leadership and concurred by a privacy officer
    REFUSED = "refused"  # by leadership, or the privacy officer did not concur
    WITHDRAWN = "withdrawn"


class OnlineAuthorization(Base):
    __tablename__ = "online_authorization"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                          index=True)
    level: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text)
    predicate_reference: Mapped[str] = mapped_column(String(120), default="")
    platforms: Mapped[list] = mapped_column(JSON)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Leadership's decision ...
    leadership_decision: Mapped[str | None] = mapped_column(String(20))
    leadership_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    leadership_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leadership_note: Mapped[str] = mapped_column(Text, default="")
    # ... and the privacy officer's concurrence, in either order.
    privacy_decision: Mapped[str | None] = mapped_column(String(20))
    privacy_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    privacy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    event: Mapped[Event] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    leadership_by: Mapped[User | None] = relationship(foreign_keys=[leadership_by_id])
    privacy_by: Mapped[User | None] = relationship(foreign_keys=[privacy_by_id])
    work: Mapped[list["OnlineWorkEntry"]] = relationship(
        back_populates="authorization", order_by="OnlineWorkEntry.worked_on",
        cascade="all, delete-orphan")

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def platform_labels(self) -> list[str]:
        return [PLATFORM_LABELS.get(p, p) for p in self.platforms or []]

    def expired(self, today: date) -> bool:
        return today > self.ends_on

    def in_force(self, today: date) -> bool:
        return (self.status == AuthorizationStatus.AUTHORIZED
                and self.starts_on <= today <= self.ends_on)

    def state_label(self, today: date) -> str:
        if self.status == AuthorizationStatus.AUTHORIZED:
            if self.expired(today):
                return "Expired"
            return "In force" if today >= self.starts_on else "Authorized, not yet started"
        if self.status == AuthorizationStatus.REQUESTED:
            waiting = [who for who, done in (("leadership", self.leadership_decision),
                                             ("a privacy officer", self.privacy_decision))
                       if not done]
            return "Waiting for " + " and ".join(waiting)
        return {"refused": "Refused", "withdrawn": "Withdrawn"}.get(self.status, self.status)


class OnlineWorkEntry(Base):
    """One day's work under an authorization: the date, the platform kind and the
    categories looked at. No free text: it could name people."""

    __tablename__ = "online_work_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    authorization_id: Mapped[int] = mapped_column(
        ForeignKey("online_authorization.id", ondelete="CASCADE"), index=True)
    worked_on: Mapped[date] = mapped_column(Date)
    platform: Mapped[str] = mapped_column(String(30))
    categories: Mapped[list] = mapped_column(JSON)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime)

    authorization: Mapped[OnlineAuthorization] = relationship(back_populates="work")
    logged_by: Mapped[User] = relationship()

    @property
    def category_labels(self) -> list[str]:
        return [CATEGORY_LABELS.get(c, c) for c in self.categories or []]

    @property
    def platform_label(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform)

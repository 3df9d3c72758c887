"""Communities of practice: spaces (per module, per district, on a topic, per cohort),
their threads and posts, edits kept as revisions, reactions, follows, read markers,
drafts, attachments, and the moderation record (reports, actions, mutes)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow, value_enum

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.credentials.models import IssuedCredential
    from pdhub.districts.models import District


class CommunityKind(enum.StrEnum):
    #: Everyone enrolled in the module (any version of its slug), and coaches.
    MODULE = "module"
    #: Private to the people of one district.
    DISTRICT = "district"
    #: Open to every signed-in person; made by a coach or an administrator.
    TOPIC = "topic"
    #: Its explicit members (``CommunityMember`` rows); cohorts build on this.
    COHORT = "cohort"


class Community(Base):
    """A space for discussion. Who may see it follows from its kind (see
    ``communities.policies``); ``CommunityMember`` rows add people explicitly."""

    __tablename__ = "communities"
    __table_args__ = (
        # One community per module slug and one per district (NULLs never clash).
        UniqueConstraint("kind", "module_slug", name="uq_communities_kind_module_slug"),
        UniqueConstraint("kind", "district_id", name="uq_communities_kind_district_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CommunityKind] = mapped_column(
        value_enum(CommunityKind, "community_kind"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # The module's slug (kind "module"): every version of a module shares one space.
    module_slug: Mapped[str | None] = mapped_column(String(80))
    # The district (kind "district").
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The newest visible post's time, for "what's new" on the landing page.
    last_activity_at: Mapped[datetime | None]
    thread_count: Mapped[int] = mapped_column(default=0, server_default="0")

    district: Mapped[District | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"


class CommunityMember(Base):
    """Someone added to a community by name: the members of a cohort, or a
    moderator of a topic community (its creator)."""

    __tablename__ = "community_members"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(
        value_enum(MemberRole, "community_member_role"), default=MemberRole.MEMBER
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Thread(Base):
    """A discussion: its first post is the opening message; replies follow."""

    __tablename__ = "community_threads"
    __table_args__ = (
        Index("ix_community_threads_community_id_last_post_at", "community_id",
              "last_post_at"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # A question may have one accepted answer (a reply), chosen by the asker or a
    # moderator.
    is_question: Mapped[bool] = mapped_column(default=False, server_default=false())
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_posts.id", ondelete="SET NULL", use_alter=True)
    )
    pinned_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    # Hidden with its opening post by a moderator.
    hidden_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Visible replies (the opening post not counted) and "helpful" marks on the
    # thread's posts, kept with each change so lists need no counting.
    reply_count: Mapped[int] = mapped_column(default=0, server_default="0")
    helpful_count: Mapped[int] = mapped_column(default=0, server_default="0")

    community: Mapped[Community] = relationship()
    author: Mapped[User | None] = relationship()


class Post(Base):
    """One message. ``body_html`` is rendered from the Markdown when it is saved
    (markdown-it-py without raw HTML, then nh3) and is the only HTML ever shown."""

    __tablename__ = "community_posts"
    __table_args__ = (
        # A thread's page order, read from the index from either end.
        Index(
            "ix_community_posts_thread_id_created_at_id",
            "thread_id",
            "created_at",
            "id",
        ),
        # Counting a thread's posts: the visible ones (index-only) and the few
        # hidden ones by author (migration 0032).
        Index(
            "ix_community_posts_thread_visible",
            "thread_id",
            postgresql_where=text("hidden_at IS NULL"),
            sqlite_where=text("hidden_at IS NULL"),
        ),
        Index(
            "ix_community_posts_thread_hidden",
            "thread_id",
            "author_id",
            postgresql_where=text("hidden_at IS NOT NULL"),
            sqlite_where=text("hidden_at IS NOT NULL"),
        ),
        # Full-text search on PostgreSQL (the migration makes it there only).
        Index(
            "ix_community_posts_search",
            text("to_tsvector('simple'::regconfig, search_text)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("community_threads.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    is_opening: Mapped[bool] = mapped_column(default=False, server_default=false())
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # What search reads: the thread's title too for an opening post.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    helpful_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # A badge the author shared (its card shows the image, name and verify link).
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL")
    )
    # An exemplar the author shared: withdrawing it empties this post too.
    exemplar_id: Mapped[int | None] = mapped_column(
        ForeignKey("exemplars.id", ondelete="SET NULL"), index=True
    )

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User | None] = relationship()
    credential: Mapped[IssuedCredential | None] = relationship()


class PostRevision(Base):
    """What a post said before an edit (moderators read the history)."""

    __tablename__ = "community_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), index=True
    )
    # The thread's title then, when the edited post opened the thread.
    title: Mapped[str | None] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    edited_by: Mapped[User | None] = relationship()


class ReactionKind(enum.StrEnum):
    HELPFUL = "helpful"


class Reaction(Base):
    __tablename__ = "community_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReactionKind] = mapped_column(
        value_enum(ReactionKind, "reaction_kind"), default=ReactionKind.HELPFUL
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(Base):
    """Someone follows a whole community or one thread (exactly one of the two)."""

    __tablename__ = "community_follows"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "community_id", name="uq_community_follows_user_community"
        ),
        UniqueConstraint(
            "user_id", "thread_id", name="uq_community_follows_user_thread"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_threads.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadRead(Base):
    """How far someone has read a thread: posts after ``read_at`` are new to them."""

    __tablename__ = "community_thread_reads"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("community_threads.id", ondelete="CASCADE"), index=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """A saved, unsent new thread (``thread_id`` empty) or reply, one per place."""

    __tablename__ = "community_drafts"
    __table_args__ = (UniqueConstraint("user_id", "community_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_threads.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file on a post, checked and stored encrypted like evidence files
    (``submissions.storage``)."""

    __tablename__ = "community_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()


class Report(Base):
    """Someone flagged a post for the moderators, with their reason."""

    __tablename__ = "community_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    post: Mapped[Post] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class ModerationKind(enum.StrEnum):
    HIDE = "hide"
    RESTORE = "restore"
    LOCK = "lock"
    UNLOCK = "unlock"
    PIN = "pin"
    UNPIN = "unpin"
    MUTE = "mute"
    DISMISS = "dismiss"


class ModerationAction(Base):
    """The record of every moderation step: who, what, to whom, why, when."""

    __tablename__ = "community_moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[ModerationKind] = mapped_column(
        value_enum(ModerationKind, "moderation_kind")
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_threads.id", ondelete="SET NULL")
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_posts.id", ondelete="SET NULL")
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])


class Mute(Base):
    """Someone may not post in a community until ``until``."""

    __tablename__ = "community_mutes"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    until: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestFrequency(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class DigestSubscription(Base):
    """Someone asked for an email digest of new posts in what they follow (no row:
    no digest). Each period's digest is an outbox email keyed by person and period,
    so it is sent once however often the beat job runs."""

    __tablename__ = "community_digest_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    frequency: Mapped[DigestFrequency] = mapped_column(
        value_enum(DigestFrequency, "digest_frequency")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<DigestSubscription {self.id}>"

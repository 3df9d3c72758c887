"""Practice shared into communities: exemplars (the parts of a passed submission a
teacher chose to show, with the consent they gave and when) and the files they hold."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pdhub.db import Base, utcnow

if TYPE_CHECKING:
    from pdhub.accounts.models import User
    from pdhub.communities.models import Community
    from pdhub.review.models import Review
    from pdhub.submissions.models import Artifact


class Exemplar(Base):
    """A passed submission shared, with consent, into a module's or a district's
    community. Only the parts the teacher ticked are copied here; withdrawing consent
    empties them, drops the files and hides it everywhere (``withdrawn_at``)."""

    __tablename__ = "exemplars"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    # The passing review: its rubric levels are shown beside the exemplar.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL")
    )
    module_slug: Mapped[str] = mapped_column(String(80), index=True)
    # Where it is shared: who may see it is who may see this community.
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    context_text: Mapped[str] = mapped_column(Text, default="")
    reflection_text: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The words the teacher agreed to, in the language they read them, and when.
    consent_statement: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    community: Mapped[Community] = relationship()
    review: Mapped[Review | None] = relationship()

    def __repr__(self) -> str:
        return f"<Exemplar {self.id}>"


class ExemplarFile(Base):
    """An evidence file the teacher chose to show in an exemplar (the bytes stay
    the evidence file's; the exemplar's address serves them while it is shared)."""

    __tablename__ = "exemplar_files"
    __table_args__ = (UniqueConstraint("exemplar_id", "artifact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exemplar_id: Mapped[int] = mapped_column(
        ForeignKey("exemplars.id", ondelete="CASCADE"), index=True
    )
    artifact_id: Mapped[int] = mapped_column(
        ForeignKey("artifacts.id", ondelete="CASCADE")
    )

    artifact: Mapped[Artifact] = relationship()

    def __repr__(self) -> str:
        return f"<ExemplarFile {self.id}>"

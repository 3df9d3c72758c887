"""Who may see a community, post in it, and moderate it.

- module: the teachers enrolled in the module (any version) and coaches;
- district: the people of that district;
- topic: everyone signed in;
- cohort (and any community): the people added as ``CommunityMember`` rows;
- platform administrators see and moderate every community.

Moderators: administrators everywhere; a district's administrators in their
district's community; in a module community, a coach for the posts and threads of
the teachers they serve (``review.policies.scope_clause``); the creator of a topic
community and its ``CommunityMember`` moderators. A hidden post is shown only to its
author and to the people who may moderate it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from pdhub.accounts.models import Role, User
from pdhub.communities.models import (
    Community,
    CommunityKind,
    CommunityMember,
    MemberRole,
)
from pdhub.db import DbSession
from pdhub.learning.models import Enrollment, Module
from pdhub.review.policies import scope_clause


def visible_clause(user: User) -> ColumnElement[bool]:
    """SQL: ``Community`` is one ``user`` may open."""
    if user.role is Role.ADMIN:
        return true()
    member = exists().where(
        CommunityMember.community_id == Community.id,
        CommunityMember.user_id == user.id,
    )
    branches: list[ColumnElement[bool]] = [
        Community.kind == CommunityKind.TOPIC,
        member,
    ]
    if user.district_id is not None:
        branches.append(
            and_(
                Community.kind == CommunityKind.DISTRICT,
                Community.district_id == user.district_id,
            )
        )
    if user.role is Role.COACH:
        branches.append(Community.kind == CommunityKind.MODULE)
    else:
        enrolled = (
            select(Enrollment.id)
            .join(Module, Module.id == Enrollment.module_id)
            .where(Enrollment.user_id == user.id, Module.slug == Community.module_slug)
            .exists()
        )
        branches.append(and_(Community.kind == CommunityKind.MODULE, enrolled))
    return or_(*branches)


def visible_to_clause(person: Any) -> ColumnElement[bool]:
    """SQL: ``Community`` is one the person in the row ``person`` (an aliased
    ``User``) may open; ``visible_clause`` for many people in one query (the
    digest's batches). The same rules, read from the row's role and district."""
    enrolled = (
        select(Enrollment.id)
        .join(Module, Module.id == Enrollment.module_id)
        .where(Enrollment.user_id == person.id, Module.slug == Community.module_slug)
        .exists()
    )
    return or_(
        person.role == Role.ADMIN,
        Community.kind == CommunityKind.TOPIC,
        exists().where(
            CommunityMember.community_id == Community.id,
            CommunityMember.user_id == person.id,
        ),
        and_(
            Community.kind == CommunityKind.DISTRICT,
            person.district_id.is_not(None),
            Community.district_id == person.district_id,
        ),
        and_(
            Community.kind == CommunityKind.MODULE,
            or_(person.role == Role.COACH, enrolled),
        ),
    )


def can_see(session: DbSession, user: User, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    return bool(
        session.scalar(
            select(exists().where(Community.id == community.id, visible_clause(user)))
        )
    )


def can_create_topic(user: User) -> bool:
    return user.is_authenticated and user.role in {
        Role.COACH,
        Role.DISTRICT_ADMIN,
        Role.ADMIN,
    }


def moderates_all(session: DbSession, user: User, community: Community) -> bool:
    """``user`` moderates every post of ``community`` (not only some authors')."""
    if user.role is Role.ADMIN:
        return True
    if community.kind is CommunityKind.DISTRICT:
        return user.role is Role.DISTRICT_ADMIN and user.district_id == (
            community.district_id
        )
    if community.kind is CommunityKind.TOPIC and community.created_by_id == user.id:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    CommunityMember.community_id == community.id,
                    CommunityMember.user_id == user.id,
                    CommunityMember.role == MemberRole.MODERATOR,
                )
            )
        )
    )


def moderated_authors(
    session: DbSession, user: User, community: Community, author_ids: set[int]
) -> set[int] | None:
    """Of ``author_ids``, those whose posts ``user`` moderates here; None means all
    authors (one query at most, whatever the number of authors)."""
    if moderates_all(session, user, community):
        return None
    if (
        community.kind is not CommunityKind.MODULE
        or user.role is not Role.COACH
        or not author_ids
    ):
        return set()
    author = aliased(User)
    return set(
        session.scalars(
            select(author.id).where(
                author.id.in_(author_ids),
                author.id != user.id,
                scope_clause(user, author),
            )
        )
    )


def can_moderate(
    session: DbSession, user: User, community: Community, author_id: int | None
) -> bool:
    """``user`` may hide, restore, lock, pin or mute for content by ``author_id``."""
    allowed = moderated_authors(
        session, user, community, {author_id} if author_id is not None else set()
    )
    return allowed is None or (author_id is not None and author_id in allowed)


def moderator_clause(user: User, author: Any) -> ColumnElement[bool]:
    """SQL over ``Community`` and the ``author`` (a User alias) of a post: ``user``
    moderates it (for the moderation queue)."""
    if user.role is Role.ADMIN:
        return true()
    moderator_row = exists().where(
        CommunityMember.community_id == Community.id,
        CommunityMember.user_id == user.id,
        CommunityMember.role == MemberRole.MODERATOR,
    )
    branches: list[ColumnElement[bool]] = [
        moderator_row,
        and_(
            Community.kind == CommunityKind.TOPIC,
            Community.created_by_id == user.id,
        ),
    ]
    if user.role is Role.DISTRICT_ADMIN and user.district_id is not None:
        branches.append(
            and_(
                Community.kind == CommunityKind.DISTRICT,
                Community.district_id == user.district_id,
            )
        )
    if user.role is Role.COACH:
        branches.append(
            and_(
                Community.kind == CommunityKind.MODULE,
                author.id != user.id,
                scope_clause(user, author),
            )
        )
    return or_(*branches) if branches else false()


def can_see_moderation_queue(user: User) -> bool:
    return user.is_authenticated and user.role is not Role.TEACHER

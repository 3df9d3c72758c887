"""The rules of communities: making spaces, threads and replies, edits with their
history, reactions, accepted answers, follows and read markers, drafts, attachments,
mentions, search, and moderation. Services flush and never commit."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nh3
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import aliased, contains_eager

from pdhub.accounts.models import Role, User
from pdhub.communities import policies
from pdhub.communities.models import (
    Attachment,
    Community,
    CommunityKind,
    Draft,
    Follow,
    ModerationAction,
    ModerationKind,
    Mute,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    Report,
    Thread,
    ThreadRead,
)
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning.models import Enrollment, Module
from pdhub.notifications.service import Message, tell
from pdhub.review.policies import scope_clause
from pdhub.submissions.service import safe_filename
from pdhub.submissions.storage import FileStore, refusal, sniff_media_type

PAGE_SIZE = 20
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_REASON = 500
MAX_NAME = 120
MAX_DESCRIPTION = 2_000
MAX_MENTIONS = 10
MAX_MUTE_DAYS = 365

# --- Markdown -------------------------------------------------------------------------


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


# No images: a picture from another site would tell it who reads the thread.
_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


#: A post sits under the page's <h1> (the thread) and its own <h2> (who wrote it): a
#: heading written in a post starts at <h3>, so it never competes with the page's.
_HEADING_SHIFT = 2


def _render(text: str) -> str:
    md = _markdown()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + _HEADING_SHIFT, 6)
            token.tag = f"h{level}"
    return str(md.renderer.render(tokens, md.options, {}))


def render_markdown(text: str) -> str:
    """Markdown from a person to safe HTML: raw HTML off, headings from <h3> down,
    then nh3's allow-list of tags, attributes and URL schemes; links are marked as
    user content."""
    return nh3.clean(
        _render(text),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def quote_markdown(post: Post) -> str:
    """A reply's opening: the post as a Markdown block quote, naming its author."""
    name = post.author.name if post.author else _("A former member")
    lines = [f"> **{_('%(name)s wrote:', name=name)}**", ">"]
    lines += [f"> {line}" if line else ">" for line in post.body_markdown.splitlines()]
    return "\n".join(lines) + "\n\n"


# --- Communities ----------------------------------------------------------------------


def _insert_missing(
    session: DbSession, rows: list[dict[str, Any]], keys: list[str]
) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(
        insert(Community).values(rows).on_conflict_do_nothing(index_elements=keys)
    )


def ensure_communities(session: DbSession, user: User) -> None:
    """Make, if missing, the module and district communities ``user`` belongs to
    (they are created the first time someone who belongs there looks)."""
    now = utcnow()
    if user.district_id is not None:
        have = session.scalar(
            select(
                exists().where(
                    Community.kind == CommunityKind.DISTRICT,
                    Community.district_id == user.district_id,
                )
            )
        )
        if not have:
            district = session.get(District, user.district_id)
            if district is not None:
                _insert_missing(
                    session,
                    [
                        {
                            "kind": CommunityKind.DISTRICT.value,
                            "district_id": district.id,
                            "name": district.name,
                            "description": "",
                            "created_at": now,
                            "thread_count": 0,
                        }
                    ],
                    ["kind", "district_id"],
                )
    modules = select(Module.slug, Module.title).where(Module.is_current.is_(True))
    if user.role is Role.TEACHER:
        mine = select(Module.slug).join(Enrollment, Enrollment.module_id == Module.id)
        modules = modules.where(
            Module.slug.in_(mine.where(Enrollment.user_id == user.id))
        )
    elif user.role is not Role.COACH:
        return
    missing = session.execute(
        modules.where(
            ~exists().where(
                Community.kind == CommunityKind.MODULE,
                Community.module_slug == Module.slug,
            )
        )
    ).all()
    _insert_missing(
        session,
        [
            {
                "kind": CommunityKind.MODULE.value,
                "module_slug": slug,
                "name": title,
                "description": "",
                "created_at": now,
                "thread_count": 0,
            }
            for slug, title in missing
        ],
        ["kind", "module_slug"],
    )


def community_for_module(session: DbSession, slug: str) -> Community | None:
    return session.scalar(
        select(Community).where(
            Community.kind == CommunityKind.MODULE, Community.module_slug == slug
        )
    )


def visible_communities(session: DbSession, user: User) -> list[Community]:
    """The communities ``user`` may open, the most recently active first."""
    ensure_communities(session, user)
    return list(
        session.scalars(
            select(Community)
            .where(policies.visible_clause(user))
            .order_by(Community.last_activity_at.desc().nulls_last(), Community.name)
        )
    )


#: Communities listed per page of /communities (a platform may have thousands of open
#: topic communities; the landing page stays small on a school network).
COMMUNITIES_PER_PAGE = 24


@dataclass(frozen=True)
class CommunityList:
    communities: list[Community]
    page: int
    pages: int
    total: int


def community_list(session: DbSession, user: User, page: int) -> CommunityList:
    """One page of the communities ``user`` may open, the most recently active first:
    two queries however many communities there are."""
    ensure_communities(session, user)
    visible = policies.visible_clause(user)
    total = session.scalar(select(func.count(Community.id)).where(visible)) or 0
    pages = max(1, -(-total // COMMUNITIES_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        select(Community)
        .where(visible)
        .order_by(
            Community.last_activity_at.desc().nulls_last(), Community.name, Community.id
        )
        .offset((page - 1) * COMMUNITIES_PER_PAGE)
        .limit(COMMUNITIES_PER_PAGE)
    )
    return CommunityList(list(rows), page, pages, total)


def get_community(session: DbSession, user: User, community_id: int) -> Community:
    """The community, or NotFound when it does not exist or ``user`` can't see it."""
    community = session.scalar(
        select(Community).where(
            Community.id == community_id, policies.visible_clause(user)
        )
    )
    if community is None:
        raise NotFound(_("We couldn't find that community."))
    return community


def _clean_line(value: str, limit: int, field: str, empty: str, long: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise InvalidInput(empty, field=field)
    if len(value) > limit:
        raise InvalidInput(long, field=field)
    return value


def create_topic(
    session: DbSession, actor: User, *, name: str, description: str
) -> Community:
    """An open topic community, moderated by its creator (a coach or an
    administrator)."""
    if not policies.can_create_topic(actor):
        raise PermissionDenied(_("Only coaches and administrators start communities."))
    name = _clean_line(
        name,
        MAX_NAME,
        "name",
        _("Please give the community a name."),
        _("Please keep the name to %(num)d characters.", num=MAX_NAME),
    )
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _(
                "Please keep the description to %(num)d characters.",
                num=MAX_DESCRIPTION,
            ),
            field="description",
        )
    community = Community(
        kind=CommunityKind.TOPIC,
        name=name,
        description=description,
        created_by_id=actor.id,
    )
    session.add(community)
    session.flush()
    follow(session, actor, community=community)
    return community


# --- Threads and posts ----------------------------------------------------------------


def _muted_until(
    session: DbSession, user: User, community: Community
) -> datetime | None:
    return session.scalar(
        select(Mute.until).where(
            Mute.community_id == community.id,
            Mute.user_id == user.id,
            Mute.until > utcnow(),
        )
    )


def _check_can_post(session: DbSession, user: User, community: Community) -> None:
    until = _muted_until(session, user, community)
    if until is not None:
        raise PermissionDenied(
            _(
                "A moderator paused your posting here until %(date)s.",
                date=until.date().isoformat(),
            )
        )


def _body(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Please write something first."), field="body")
    if len(text) > MAX_BODY:
        raise InvalidInput(
            _("Please keep a post to %(num)d characters.", num=MAX_BODY), field="body"
        )
    return text


def _title(text: str) -> str:
    return _clean_line(
        text,
        MAX_TITLE,
        "title",
        _("Please give the discussion a title."),
        _("Please keep the title to %(num)d characters.", num=MAX_TITLE),
    )


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    max_bytes: int


def _attach(session: DbSession, store: FileStore, post: Post, upload: Upload) -> None:
    """Store a file on ``post`` with the evidence checks: its type decided from the
    bytes (``submissions.storage``), encrypted at rest."""
    if not upload.content:
        raise InvalidInput(
            _("The file is empty. Please choose another one."), field="upload"
        )
    if len(upload.content) > upload.max_bytes:
        raise InvalidInput(
            _(
                "The file is too large; the limit is %(num)d MB.",
                num=upload.max_bytes // 1048576,
            ),
            field="upload",
        )
    problem = refusal(upload.content, upload.filename)
    if problem is not None:
        raise InvalidInput(problem, field="upload")
    media_type = sniff_media_type(upload.content)
    if media_type is None:
        raise InvalidInput(
            _(
                "%(name)s isn't a file type we accept (we check what is inside the "
                "file, not its name). Attach a PDF, an image (PNG, JPEG, GIF or "
                "WebP), or a Word or PowerPoint file.",
                name=safe_filename(upload.filename),
            ),
            field="upload",
        )
    session.add(
        Attachment(
            post_id=post.id,
            filename=safe_filename(upload.filename),
            media_type=media_type,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            storage_key=store.save(upload.content),
        )
    )


def _new_post(
    session: DbSession, actor: User, thread: Thread, body: str, *, opening: bool
) -> Post:
    post = Post(
        thread_id=thread.id,
        author_id=actor.id,
        is_opening=opening,
        body_markdown=body,
        body_html=render_markdown(body),
        search_text=(f"{thread.title}\n{body}" if opening else body),
    )
    session.add(post)
    session.flush()
    return post


def start_thread(
    session: DbSession,
    actor: User,
    community: Community,
    *,
    title: str,
    body: str,
    is_question: bool = False,
    upload: Upload | None = None,
    store: FileStore | None = None,
) -> Thread:
    _check_can_post(session, actor, community)
    thread = Thread(
        community_id=community.id,
        author_id=actor.id,
        title=_title(title),
        is_question=is_question,
    )
    body = _body(body)
    session.add(thread)
    session.flush()
    post = _new_post(session, actor, thread, body, opening=True)
    if upload is not None and store is not None:
        _attach(session, store, post, upload)
    community.thread_count = Community.thread_count + 1
    community.last_activity_at = post.created_at
    follow(session, actor, thread=thread)
    _discard_draft(session, actor, community.id, None)
    _notify(session, actor, community, thread, post)
    return thread


def reply(
    session: DbSession,
    actor: User,
    thread: Thread,
    *,
    body: str,
    upload: Upload | None = None,
    store: FileStore | None = None,
) -> Post:
    community = thread.community
    _check_can_post(session, actor, community)
    if thread.locked_at is not None and not policies.can_moderate(
        session, actor, community, thread.author_id
    ):
        raise Conflict(_("This discussion is locked: no new replies."))
    post = _new_post(session, actor, thread, _body(body), opening=False)
    if upload is not None and store is not None:
        _attach(session, store, post, upload)
    thread.reply_count = Thread.reply_count + 1
    thread.last_post_at = post.created_at
    community.last_activity_at = post.created_at
    follow(session, actor, thread=thread)
    _discard_draft(session, actor, community.id, thread.id)
    mark_read(session, actor, thread, post.created_at)
    _notify(session, actor, community, thread, post)
    return post


def can_edit(user: User, post: Post) -> bool:
    return post.author_id == user.id and post.hidden_at is None


def edit_post(
    session: DbSession, actor: User, post: Post, *, body: str, title: str | None = None
) -> Post:
    """Change a post (its author only); the old words are kept as a revision and
    the post says it was edited."""
    if not can_edit(actor, post):
        raise PermissionDenied(_("Only the author can edit this post."))
    body = _body(body)
    thread = post.thread
    new_title = _title(title) if post.is_opening and title is not None else None
    if body == post.body_markdown and (new_title is None or new_title == thread.title):
        return post
    session.add(
        PostRevision(
            post_id=post.id,
            title=thread.title if post.is_opening else None,
            body_markdown=post.body_markdown,
            edited_by_id=actor.id,
        )
    )
    if new_title is not None:
        thread.title = new_title
    post.body_markdown = body
    post.body_html = render_markdown(body)
    post.search_text = f"{thread.title}\n{body}" if post.is_opening else body
    post.edited_at = utcnow()
    session.flush()
    return post


def revisions(session: DbSession, post: Post) -> list[PostRevision]:
    return list(
        session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        )
    )


def get_thread(
    session: DbSession, user: User, community: Community, thread_id: int
) -> Thread:
    """The thread, or NotFound (another community's, or hidden from ``user``)."""
    thread = session.get(Thread, thread_id)
    if thread is None or thread.community_id != community.id:
        raise NotFound(_("We couldn't find that discussion."))
    if thread.hidden_at is not None and not (
        thread.author_id == user.id
        or policies.can_moderate(session, user, community, thread.author_id)
    ):
        raise NotFound(_("We couldn't find that discussion."))
    return thread


def get_post(
    session: DbSession, user: User, community: Community, post_id: int
) -> Post:
    """A post of ``community`` ``user`` may see, or NotFound."""
    post = session.get(Post, post_id)
    if post is None or post.thread.community_id != community.id:
        raise NotFound(_("We couldn't find that post."))
    get_thread(session, user, community, post.thread_id)
    if post.hidden_at is not None and not (
        post.author_id == user.id
        or policies.can_moderate(session, user, community, post.author_id)
    ):
        raise NotFound(_("We couldn't find that post."))
    return post


@dataclass(frozen=True)
class SharedCard:
    """What a post shares, as its card shows it: a badge (image, name, its page
    and its verify link) or an exemplar (its page in the module's library)."""

    kind: str  # "badge" or "exemplar"
    name: str
    slug: str
    version: int | None = None
    alt: str = ""
    credential_id: str | None = None
    verify_link: str | None = None
    exemplar_id: int | None = None


def shared_cards(session: DbSession, posts: list[Post]) -> dict[int, SharedCard]:
    """The cards of the posts that share a badge (still shared and not revoked) or
    an exemplar; at most two queries, and none when no post shares anything."""
    from pdhub.credentials import service as credentials
    from pdhub.credentials.models import Award, IssuedCredential
    from pdhub.learning.localized import localized
    from pdhub.sharing.models import Exemplar

    cards: dict[int, SharedCard] = {}
    badge_posts = [p.id for p in posts if p.credential_id is not None]
    if badge_posts:
        for post_id, credential, module in session.execute(
            select(Post.id, IssuedCredential, Module)
            .join(IssuedCredential, IssuedCredential.id == Post.credential_id)
            .join(Award, Award.id == IssuedCredential.award_id)
            .join(Module, Module.id == Award.module_id)
            .where(
                Post.id.in_(badge_posts),
                IssuedCredential.shared.is_(True),
                IssuedCredential.revoked_at.is_(None),
            )
        ):
            shown = localized(module)
            cards[post_id] = SharedCard(
                kind="badge",
                name=shown.badge_name,
                slug=module.slug,
                version=module.version,
                alt=shown.badge_alt,
                credential_id=credential.id,
                verify_link=credentials.verify_url(credential),
            )
    exemplar_posts = [p.id for p in posts if p.exemplar_id is not None]
    if exemplar_posts:
        for post_id, exemplar_id, slug, title in session.execute(
            select(Post.id, Exemplar.id, Exemplar.module_slug, Exemplar.title)
            .join(Exemplar, Exemplar.id == Post.exemplar_id)
            .where(Post.id.in_(exemplar_posts), Exemplar.withdrawn_at.is_(None))
        ):
            cards[post_id] = SharedCard(
                kind="exemplar", name=title, slug=slug, exemplar_id=exemplar_id
            )
    return cards


@dataclass
class ThreadPage:
    posts: list[Post]
    page: int
    pages: int
    attachments: dict[int, list[Attachment]]
    helpful_mine: set[int]
    moderated: set[int] | None  # author ids whose posts the viewer moderates; None: all
    following: bool
    unread_from: datetime | None
    draft: Draft | None
    muted_until: datetime | None
    #: The badge or exemplar a post shares, by post id.
    cards: dict[int, SharedCard] = field(default_factory=dict)

    def moderates(self, author_id: int | None) -> bool:
        return self.moderated is None or (
            author_id is not None and author_id in self.moderated
        )


def _shown(user: User, moderated_all: bool) -> ColumnElement[bool]:
    """SQL: a post the viewer sees (visible, or theirs, or moderated by them)."""
    if moderated_all:
        return Post.id.is_not(None)
    return or_(Post.hidden_at.is_(None), Post.author_id == user.id)


def thread_page(
    session: DbSession, user: User, thread: Thread, page: int
) -> ThreadPage:
    """One page of a thread for ``user``, in a fixed number of queries."""
    community = thread.community
    all_authors = policies.moderates_all(session, user, community)
    # Hidden posts a coach moderates (their teachers') are found after the page is
    # read; the page itself shows visible posts, one's own, or all for moderators.
    condition = _shown(user, all_authors)
    if (
        not all_authors
        and user.role is Role.COACH
        and community.kind is CommunityKind.MODULE
    ):
        author = aliased(User)
        served = (
            select(author.id)
            .where(author.id != user.id, scope_clause(user, author))
            .scalar_subquery()
        )
        condition = or_(condition, Post.author_id.in_(served))
        total = (
            session.scalar(
                select(func.count(Post.id)).where(
                    Post.thread_id == thread.id, condition
                )
            )
            or 0
        )
    elif all_authors:
        total = (
            session.scalar(
                select(func.count(Post.id)).where(Post.thread_id == thread.id)
            )
            or 0
        )
    else:
        # Visible posts plus the reader's own hidden ones, as two counts that each
        # read one partial index (migration 0032): the visible count is index-only
        # however long the thread; OR-ing the two made PostgreSQL visit every row.
        visible = (
            select(func.count())
            .where(Post.thread_id == thread.id, Post.hidden_at.is_(None))
            .scalar_subquery()
        )
        own_hidden = (
            select(func.count())
            .where(
                Post.thread_id == thread.id,
                Post.hidden_at.is_not(None),
                Post.author_id == user.id,
            )
            .scalar_subquery()
        )
        total = session.scalar(select(visible + own_hidden)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    first = (page - 1) * PAGE_SIZE
    end = min(page * PAGE_SIZE, total)
    chosen = (
        select(Post)
        .outerjoin(User, User.id == Post.author_id)
        .options(contains_eager(Post.author))
        .where(Post.thread_id == thread.id, condition)
    )
    if first > total - end:
        # Past the middle of a long thread, count from its end: the index
        # (thread, time, id) is read backwards over what follows the page, not
        # forwards over everything before it (the last page reads 20 entries).
        posts = list(
            session.scalars(
                chosen.order_by(Post.created_at.desc(), Post.id.desc())
                .limit(end - first)
                .offset(total - end)
            ).unique()
        )
        posts.reverse()
    else:
        posts = list(
            session.scalars(
                chosen.order_by(Post.created_at, Post.id).limit(PAGE_SIZE).offset(first)
            ).unique()
        )
    ids = [post.id for post in posts]
    attachments: dict[int, list[Attachment]] = {}
    helpful: set[int] = set()
    if ids:
        for attachment in session.scalars(
            select(Attachment)
            .where(Attachment.post_id.in_(ids))
            .order_by(Attachment.id)
        ):
            attachments.setdefault(attachment.post_id, []).append(attachment)
        helpful = set(
            session.scalars(
                select(Reaction.post_id).where(
                    Reaction.post_id.in_(ids),
                    Reaction.user_id == user.id,
                    Reaction.kind == ReactionKind.HELPFUL,
                )
            )
        )
    moderated = (
        None
        if all_authors
        else policies.moderated_authors(
            session,
            user,
            community,
            {p.author_id for p in posts if p.author_id is not None}
            | ({thread.author_id} if thread.author_id else set()),
        )
    )
    following = bool(
        session.scalar(
            select(
                exists().where(
                    Follow.user_id == user.id,
                    or_(
                        Follow.thread_id == thread.id,
                        Follow.community_id == community.id,
                    ),
                )
            )
        )
    )
    unread_from = session.scalar(
        select(ThreadRead.read_at).where(
            ThreadRead.user_id == user.id, ThreadRead.thread_id == thread.id
        )
    )
    draft = session.scalar(
        select(Draft).where(
            Draft.user_id == user.id,
            Draft.community_id == community.id,
            Draft.thread_id == thread.id,
        )
    )
    return ThreadPage(
        posts=posts,
        page=page,
        pages=pages,
        attachments=attachments,
        helpful_mine=helpful,
        moderated=moderated,
        following=following,
        unread_from=unread_from,
        draft=draft,
        muted_until=_muted_until(session, user, community),
        cards=shared_cards(session, posts),
    )


SORTS = ("newest", "helpful", "unanswered")


def _sorted_threads(query: Any, sort: str) -> Any:
    if sort == "helpful":
        return query.order_by(Thread.helpful_count.desc(), Thread.last_post_at.desc())
    if sort == "unanswered":
        query = query.where(
            or_(
                Thread.reply_count == 0,
                and_(Thread.is_question.is_(True), Thread.accepted_post_id.is_(None)),
            )
        )
    return query.order_by(Thread.last_post_at.desc(), Thread.id.desc())


@dataclass
class ThreadRow:
    thread: Thread
    unread: bool


@dataclass
class CommunityPage:
    threads: list[ThreadRow]
    page: int
    pages: int
    following: bool
    moderates: bool
    can_post: bool
    draft: Draft | None = None
    pinned: list[ThreadRow] = field(default_factory=list)


def _visible_threads(user: User, moderates: bool) -> ColumnElement[bool]:
    if moderates:
        return Thread.id.is_not(None)
    return or_(Thread.hidden_at.is_(None), Thread.author_id == user.id)


def _rows(session: DbSession, user: User, threads: list[Thread]) -> list[ThreadRow]:
    ids = [t.id for t in threads]
    reads: dict[int, datetime] = {}
    if ids:
        rows = session.execute(
            select(ThreadRead.thread_id, ThreadRead.read_at).where(
                ThreadRead.user_id == user.id, ThreadRead.thread_id.in_(ids)
            )
        )
        reads = {row[0]: row[1] for row in rows}
    return [
        ThreadRow(t, t.id not in reads or t.last_post_at > reads[t.id]) for t in threads
    ]


def community_page(
    session: DbSession, user: User, community: Community, page: int, sort: str
) -> CommunityPage:
    """Threads of a community for ``user`` (pinned first on the first page), in a
    fixed number of queries."""
    sort = sort if sort in SORTS else "newest"
    moderates = policies.moderates_all(session, user, community)
    base = select(Thread).where(
        Thread.community_id == community.id, _visible_threads(user, moderates)
    )
    pinned = list(
        session.scalars(
            base.where(Thread.pinned_at.is_not(None))
            .outerjoin(Thread.author)
            .options(contains_eager(Thread.author))
            .order_by(Thread.pinned_at.desc())
        ).unique()
    )
    rest = _sorted_threads(base.where(Thread.pinned_at.is_(None)), sort)
    total = session.scalar(
        select(func.count()).select_from(rest.order_by(None).subquery())
    )
    pages = max(1, -(-(total or 0) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    threads = list(
        session.scalars(
            rest.outerjoin(Thread.author)
            .options(contains_eager(Thread.author))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).unique()
    )
    rows = _rows(session, user, pinned + threads)
    following = bool(
        session.scalar(
            select(
                exists().where(
                    Follow.user_id == user.id, Follow.community_id == community.id
                )
            )
        )
    )
    draft = session.scalar(
        select(Draft).where(
            Draft.user_id == user.id,
            Draft.community_id == community.id,
            Draft.thread_id.is_(None),
        )
    )
    return CommunityPage(
        threads=rows[len(pinned) :],
        pinned=rows[: len(pinned)] if page == 1 else [],
        page=page,
        pages=pages,
        following=following,
        moderates=moderates,
        can_post=_muted_until(session, user, community) is None,
        draft=draft,
    )


def recent_threads(session: DbSession, user: User, limit: int = 10) -> list[ThreadRow]:
    """What's new across every community ``user`` may open."""
    threads = list(
        session.scalars(
            select(Thread)
            .join(Community, Community.id == Thread.community_id)
            .outerjoin(Thread.author)
            .options(contains_eager(Thread.author), contains_eager(Thread.community))
            .where(policies.visible_clause(user), Thread.hidden_at.is_(None))
            .order_by(Thread.last_post_at.desc())
            .limit(limit)
        ).unique()
    )
    return _rows(session, user, threads)


def _changed(session: DbSession, statement: Any) -> int:
    """How many rows an UPDATE or DELETE changed."""
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]  # DML returns a CursorResult
    return result.rowcount


# --- Reactions and answers ------------------------------------------------------------


def toggle_helpful(session: DbSession, actor: User, post: Post) -> bool:
    """Mark the post helpful, or take the mark back; True when it is now marked."""
    if post.author_id == actor.id:
        raise InvalidInput(_("You can't mark your own post as helpful."))
    removed = _changed(
        session,
        delete(Reaction).where(
            Reaction.post_id == post.id,
            Reaction.user_id == actor.id,
            Reaction.kind == ReactionKind.HELPFUL,
        ),
    )
    step = -1 if removed else 1
    if not removed:
        session.add(Reaction(post_id=post.id, user_id=actor.id))
    session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(helpful_count=Post.helpful_count + step)
    )
    session.execute(
        update(Thread)
        .where(Thread.id == post.thread_id)
        .values(helpful_count=Thread.helpful_count + step)
    )
    session.flush()
    session.expire(post, ["helpful_count"])
    return not removed


def accept_answer(
    session: DbSession, actor: User, thread: Thread, post: Post | None
) -> None:
    """The asker (or a moderator) chooses the reply that answered the question, or
    takes the choice back (``post`` None)."""
    if not thread.is_question:
        raise InvalidInput(_("Only questions have an accepted answer."))
    if not (
        thread.author_id == actor.id
        or policies.can_moderate(session, actor, thread.community, thread.author_id)
    ):
        raise PermissionDenied(_("Only the person who asked can choose the answer."))
    if post is not None and (post.thread_id != thread.id or post.is_opening):
        raise InvalidInput(_("Choose one of the replies as the answer."))
    thread.accepted_post_id = post.id if post is not None else None
    session.flush()
    if post is not None and post.author is not None and post.author_id != actor.id:
        tell(
            session,
            Message(
                key=f"community-answer:{thread.id}:{post.id}",
                to=post.author,
                text=_l(
                    "Your reply was chosen as the answer in “%(title)s”.",
                    title=thread.title,
                ),
                link=_post_link(thread, post),
            ),
        )


# --- Following, reading, drafts -------------------------------------------------------


def follow(
    session: DbSession,
    user: User,
    *,
    community: Community | None = None,
    thread: Thread | None = None,
) -> None:
    condition = (
        Follow.community_id == community.id
        if community is not None
        else Follow.thread_id == (thread.id if thread is not None else None)
    )
    if session.scalar(select(exists().where(Follow.user_id == user.id, condition))):
        return
    session.add(
        Follow(
            user_id=user.id,
            community_id=community.id if community is not None else None,
            thread_id=thread.id if thread is not None else None,
        )
    )
    session.flush()


def unfollow(
    session: DbSession,
    user: User,
    *,
    community: Community | None = None,
    thread: Thread | None = None,
) -> None:
    if community is not None:
        session.execute(
            delete(Follow).where(
                Follow.user_id == user.id, Follow.community_id == community.id
            )
        )
    if thread is not None:
        session.execute(
            delete(Follow).where(
                Follow.user_id == user.id, Follow.thread_id == thread.id
            )
        )


def mark_read(
    session: DbSession, user: User, thread: Thread, moment: datetime | None = None
) -> None:
    """Remember that ``user`` has read ``thread`` up to ``moment`` (its last post)."""
    moment = moment or thread.last_post_at
    updated = _changed(
        session,
        update(ThreadRead)
        .where(ThreadRead.user_id == user.id, ThreadRead.thread_id == thread.id)
        .values(read_at=func.greatest(ThreadRead.read_at, moment)
                if session.get_bind().dialect.name == "postgresql"
                else func.max(ThreadRead.read_at, moment))
    )  # fmt: skip
    if not updated:
        session.add(ThreadRead(user_id=user.id, thread_id=thread.id, read_at=moment))
        session.flush()


def followed_pairs(user_ids: list[int]) -> Any:
    """SQL (a subquery): (user_id, thread_id) for each discussion one of
    ``user_ids`` follows, or that is in a community they follow. Read from the
    follows outwards, so its cost is what those people follow, not every thread
    they may open."""
    by_thread = select(
        Follow.user_id.label("user_id"), Follow.thread_id.label("thread_id")
    ).where(Follow.user_id.in_(user_ids), Follow.thread_id.is_not(None))
    by_community = (
        select(Follow.user_id.label("user_id"), Thread.id.label("thread_id"))
        .join(Thread, Thread.community_id == Follow.community_id)
        .where(Follow.user_id.in_(user_ids))
    )
    return union(by_thread, by_community).subquery("followed")


def unread_count(session: DbSession, user: User) -> int:
    """Followed discussions (or discussions in followed communities) with posts
    ``user`` hasn't read, among those they may open."""
    read = aliased(ThreadRead)
    followed = followed_pairs([user.id])
    return (
        session.scalar(
            select(func.count(Thread.id))
            .join(followed, followed.c.thread_id == Thread.id)
            .join(Community, Community.id == Thread.community_id)
            .outerjoin(read, and_(read.thread_id == Thread.id, read.user_id == user.id))
            .where(
                policies.visible_clause(user),
                Thread.hidden_at.is_(None),
                or_(read.id.is_(None), read.read_at < Thread.last_post_at),
            )
        )
        or 0
    )


def save_draft(
    session: DbSession,
    user: User,
    community: Community,
    thread: Thread | None,
    *,
    title: str,
    body: str,
) -> Draft:
    draft = session.scalar(
        select(Draft).where(
            Draft.user_id == user.id,
            Draft.community_id == community.id,
            Draft.thread_id == thread.id if thread else Draft.thread_id.is_(None),
        )
    )
    if draft is None:
        draft = Draft(
            user_id=user.id,
            community_id=community.id,
            thread_id=thread.id if thread else None,
        )
        session.add(draft)
    draft.title = (title or "")[:MAX_TITLE]
    draft.body_markdown = (body or "")[:MAX_BODY]
    draft.updated_at = utcnow()
    session.flush()
    return draft


def _discard_draft(
    session: DbSession, user: User, community_id: int, thread_id: int | None
) -> None:
    session.execute(
        delete(Draft).where(
            Draft.user_id == user.id,
            Draft.community_id == community_id,
            Draft.thread_id == thread_id if thread_id else Draft.thread_id.is_(None),
        )
    )


# --- Mentions and notifications -------------------------------------------------------

_MENTION = re.compile(r"(?<![\w@])@([^\W\d_][\w.'-]{0,60}\w|[^\W\d_])", re.UNICODE)


def handle_of(user: User) -> str:
    """How to mention someone: their name in lower case, words joined by dots."""
    return ".".join(user.name.lower().split())


def mentioned_users(session: DbSession, community: Community, text: str) -> list[User]:
    """People ``text`` mentions (``@maya.lopez``, or ``@maya`` when only one member
    is called that) who may open ``community``; quoted lines are not mentions."""
    own = "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith(">")
    )
    handles = list(dict.fromkeys(m.lower() for m in _MENTION.findall(own)))[
        :MAX_MENTIONS
    ]
    found: list[User] = []
    for handle in handles:
        words = handle.split(".")
        lowered = func.lower(User.name)
        if len(words) > 1:
            condition = lowered == " ".join(words)
        else:
            condition = or_(
                lowered == handle, lowered.like(handle.replace("%", "") + " %")
            )
        candidates = [
            user
            for user in session.scalars(
                select(User).where(condition, User.active.is_(True)).limit(50)
            )
            if policies.can_see(session, user, community)
        ]
        if len(candidates) == 1:
            found.append(candidates[0])
    return found


def _post_link(thread: Thread, post: Post) -> str:
    return f"/communities/{thread.community_id}/posts/{post.id}"


def _notify(
    session: DbSession, actor: User, community: Community, thread: Thread, post: Post
) -> None:
    """Tell people mentioned in ``post`` and followers of the thread or community
    (each once, never the author, only people who may open the community)."""
    messages: list[Message] = []
    told = {actor.id}
    for person in mentioned_users(session, community, post.body_markdown):
        if person.id in told:
            continue
        told.add(person.id)
        messages.append(
            Message(
                key=f"community-post:{post.id}:{person.id}",
                to=person,
                text=_l(
                    "%(name)s mentioned you in “%(title)s”.",
                    name=actor.name,
                    title=thread.title,
                ),
                link=_post_link(thread, post),
            )
        )
    followers = session.scalars(
        select(User)
        .join(Follow, Follow.user_id == User.id)
        .where(
            or_(Follow.thread_id == thread.id, Follow.community_id == community.id),
            User.id.not_in(told),
            User.active.is_(True),
        )
        .distinct()
    )
    for person in followers:
        if person.id in told or not policies.can_see(session, person, community):
            continue
        told.add(person.id)
        messages.append(
            Message(
                key=f"community-post:{post.id}:{person.id}",
                to=person,
                text=(
                    _l(
                        "%(name)s replied in “%(title)s”.",
                        name=actor.name,
                        title=thread.title,
                    )
                    if not post.is_opening
                    else _l(
                        "%(name)s started “%(title)s” in %(community)s.",
                        name=actor.name,
                        title=thread.title,
                        community=community.name,
                    )
                ),
                link=_post_link(thread, post),
            )
        )
    if messages:
        tell(session, *messages)


# --- Search ---------------------------------------------------------------------------


@dataclass
class SearchResults:
    posts: list[Post]
    page: int
    pages: int
    #: At most SEARCH_COUNT_LIMIT + 1 (``more``: there are more than the limit).
    total: int

    @property
    def more(self) -> bool:
        return self.total > SEARCH_COUNT_LIMIT

    @property
    def limit(self) -> int:
        return SEARCH_COUNT_LIMIT


#: Search counts (and pages through) at most this many results.
SEARCH_COUNT_LIMIT = 1000


def _matches(session: DbSession, query: str) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "postgresql":
        config: ColumnElement[Any] = literal_column("'simple'::regconfig")
        return func.to_tsvector(config, Post.search_text).op("@@")(
            func.plainto_tsquery(config, query)
        )
    words = [w for w in query.lower().split() if w][:10]
    escaped = [
        w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words
    ]
    return and_(
        *(func.lower(Post.search_text).like(f"%{w}%", escape="\\") for w in escaped)
    )


def search(
    session: DbSession,
    user: User,
    query: str,
    *,
    community: Community | None = None,
    sort: str = "newest",
    page: int = 1,
) -> SearchResults:
    """Visible posts matching ``query`` in the communities ``user`` may open (or in
    one of them); hidden posts and threads never show, whoever searches."""
    query = " ".join((query or "").split())[:200]
    if not query:
        return SearchResults([], 1, 1, 0)
    base = (
        select(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .where(
            policies.visible_clause(user),
            Post.hidden_at.is_(None),
            Thread.hidden_at.is_(None),
            _matches(session, query),
        )
    )
    if community is not None:
        base = base.where(Community.id == community.id)
    if sort == "unanswered":
        base = base.where(
            or_(
                Thread.reply_count == 0,
                and_(Thread.is_question.is_(True), Thread.accepted_post_id.is_(None)),
            )
        )
    # Counted up to one past SEARCH_COUNT_LIMIT: a common word matches thousands of
    # posts, and counting (and paging) all of them is the page's cost.
    total = (
        session.scalar(
            select(func.count()).select_from(
                base.with_only_columns(Post.id).limit(SEARCH_COUNT_LIMIT + 1).subquery()
            )
        )
        or 0
    )
    pages = max(1, -(-min(total, SEARCH_COUNT_LIMIT) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    order = (
        [Post.helpful_count.desc(), Post.created_at.desc()]
        if sort == "helpful"
        else [Post.created_at.desc()]
    )
    posts = list(
        session.scalars(
            base.outerjoin(User, User.id == Post.author_id)
            .options(
                contains_eager(Post.thread).contains_eager(Thread.community),
                contains_eager(Post.author),
            )
            .order_by(*order, Post.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).unique()
    )
    return SearchResults(posts, page, pages, total)


# --- Moderation -----------------------------------------------------------------------


def report_post(session: DbSession, actor: User, post: Post, reason: str) -> Report:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            _("Please say what is wrong with this post."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("Please keep the reason to %(num)d characters.", num=MAX_REASON),
            field="reason",
        )
    report = Report(post_id=post.id, reporter_id=actor.id, reason=reason)
    session.add(report)
    session.flush()
    return report


def _require_moderator(
    session: DbSession, actor: User, community: Community, author_id: int | None
) -> None:
    if not policies.can_moderate(session, actor, community, author_id):
        raise PermissionDenied(_("Only a moderator of this community can do that."))


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            _("Please give a reason: the author is told it."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("Please keep the reason to %(num)d characters.", num=MAX_REASON),
            field="reason",
        )
    return reason


def _record(
    session: DbSession,
    actor: User,
    community: Community,
    kind: ModerationKind,
    *,
    reason: str = "",
    thread: Thread | None = None,
    post: Post | None = None,
    subject: User | None = None,
    until: datetime | None = None,
) -> ModerationAction:
    action = ModerationAction(
        community_id=community.id,
        moderator_id=actor.id,
        kind=kind,
        reason=reason,
        thread_id=thread.id if thread else None,
        post_id=post.id if post else None,
        subject_id=subject.id if subject else None,
        until=until,
    )
    session.add(action)
    session.flush()
    return action


def _resolve_reports(session: DbSession, actor: User, post: Post) -> None:
    session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id)
    )


def _tell_author(
    session: DbSession,
    action: ModerationAction,
    person: User | None,
    text: str,
    link: str,
) -> None:
    if person is None or person.id == action.moderator_id:
        return
    tell(
        session,
        Message(
            key=f"community-moderation:{action.id}", to=person, text=text, link=link
        ),
    )


def hide_post(session: DbSession, actor: User, post: Post, reason: str) -> None:
    """Hide a post (its whole thread when it is the opening post) from everyone
    but its author and the moderators; the author is told why."""
    thread = post.thread
    community = thread.community
    _require_moderator(session, actor, community, post.author_id)
    reason = _reason(reason)
    if post.hidden_at is not None:
        return
    post.hidden_at = utcnow()
    post.hidden_reason = reason
    if post.is_opening:
        thread.hidden_at = post.hidden_at
        community.thread_count = Community.thread_count - 1
    else:
        thread.reply_count = Thread.reply_count - 1
    _resolve_reports(session, actor, post)
    action = _record(
        session, actor, community, ModerationKind.HIDE, reason=reason, thread=thread,
        post=post, subject=post.author,
    )  # fmt: skip
    _tell_author(
        session,
        action,
        post.author,
        _(
            "A moderator hid your post in “%(title)s”. Reason: %(reason)s",
            title=thread.title,
            reason=reason,
        ),
        _post_link(thread, post),
    )


def restore_post(session: DbSession, actor: User, post: Post, reason: str = "") -> None:
    thread = post.thread
    community = thread.community
    _require_moderator(session, actor, community, post.author_id)
    if post.hidden_at is None:
        return
    post.hidden_at = None
    post.hidden_reason = None
    if post.is_opening:
        thread.hidden_at = None
        community.thread_count = Community.thread_count + 1
    else:
        thread.reply_count = Thread.reply_count + 1
    action = _record(
        session, actor, community, ModerationKind.RESTORE,
        reason=" ".join((reason or "").split())[:MAX_REASON], thread=thread, post=post,
        subject=post.author,
    )  # fmt: skip
    _tell_author(
        session,
        action,
        post.author,
        _("A moderator restored your post in “%(title)s”.", title=thread.title),
        _post_link(thread, post),
    )


def set_locked(
    session: DbSession, actor: User, thread: Thread, locked: bool, reason: str
) -> None:
    community = thread.community
    _require_moderator(session, actor, community, thread.author_id)
    reason = (
        _reason(reason) if locked else " ".join((reason or "").split())[:MAX_REASON]
    )
    if (thread.locked_at is not None) == locked:
        return
    thread.locked_at = utcnow() if locked else None
    action = _record(
        session, actor, community,
        ModerationKind.LOCK if locked else ModerationKind.UNLOCK,
        reason=reason, thread=thread, subject=thread.author,
    )  # fmt: skip
    if locked:
        _tell_author(
            session,
            action,
            thread.author,
            _(
                "A moderator locked your discussion “%(title)s”. Reason: %(reason)s",
                title=thread.title,
                reason=reason,
            ),
            f"/communities/{community.id}/threads/{thread.id}",
        )


def set_pinned(session: DbSession, actor: User, thread: Thread, pinned: bool) -> None:
    community = thread.community
    _require_moderator(session, actor, community, thread.author_id)
    if (thread.pinned_at is not None) == pinned:
        return
    thread.pinned_at = utcnow() if pinned else None
    _record(
        session, actor, community,
        ModerationKind.PIN if pinned else ModerationKind.UNPIN, thread=thread,
    )  # fmt: skip


def mute(
    session: DbSession,
    actor: User,
    community: Community,
    person: User,
    *,
    days: int,
    reason: str,
    post: Post | None = None,
) -> Mute:
    """Stop ``person`` posting in ``community`` for ``days`` days; they are told why."""
    _require_moderator(session, actor, community, person.id)
    if person.id == actor.id:
        raise InvalidInput(_("You can't mute yourself."))
    if not 1 <= days <= MAX_MUTE_DAYS:
        raise InvalidInput(
            _("Choose between 1 and %(num)d days.", num=MAX_MUTE_DAYS), field="days"
        )
    reason = _reason(reason)
    until = utcnow() + timedelta(days=days)
    row = session.scalar(
        select(Mute).where(Mute.community_id == community.id, Mute.user_id == person.id)
    )
    if row is None:
        row = Mute(community_id=community.id, user_id=person.id, until=until)
        session.add(row)
    else:
        row.until = until
    if post is not None:
        _resolve_reports(session, actor, post)
    action = _record(
        session, actor, community, ModerationKind.MUTE, reason=reason, post=post,
        thread=post.thread if post else None, subject=person, until=until,
    )  # fmt: skip
    _tell_author(
        session,
        action,
        person,
        _(
            "A moderator paused your posting in %(community)s until %(date)s. "
            "Reason: %(reason)s",
            community=community.name,
            date=until.date().isoformat(),
            reason=reason,
        ),
        f"/communities/{community.id}",
    )
    return row


def dismiss_reports(session: DbSession, actor: User, post: Post) -> None:
    """The moderator read the reports and left the post as it is."""
    community = post.thread.community
    _require_moderator(session, actor, community, post.author_id)
    _resolve_reports(session, actor, post)
    _record(session, actor, community, ModerationKind.DISMISS, post=post,
            thread=post.thread, subject=post.author)  # fmt: skip


@dataclass
class QueueItem:
    post: Post
    reports: list[Report]


def moderation_queue(session: DbSession, user: User) -> list[QueueItem]:
    """Open reports on posts ``user`` moderates, grouped by post, oldest first."""
    author = aliased(User)
    reports = list(
        session.scalars(
            select(Report)
            .join(Post, Post.id == Report.post_id)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Community, Community.id == Thread.community_id)
            .outerjoin(author, author.id == Post.author_id)
            .options(
                contains_eager(Report.post)
                .contains_eager(Post.thread)
                .contains_eager(Thread.community),
                contains_eager(Report.post, Post.author.of_type(author)),
            )
            .where(
                Report.resolved_at.is_(None), policies.moderator_clause(user, author)
            )
            .order_by(Report.created_at, Report.id)
            .limit(200)
        ).unique()
    )
    items: dict[int, QueueItem] = {}
    for report in reports:
        items.setdefault(report.post_id, QueueItem(report.post, [])).reports.append(
            report
        )
    return list(items.values())


def moderation_log(session: DbSession, community: Community) -> list[ModerationAction]:
    return list(
        session.scalars(
            select(ModerationAction)
            .where(ModerationAction.community_id == community.id)
            .order_by(ModerationAction.created_at.desc())
            .limit(100)
        )
    )

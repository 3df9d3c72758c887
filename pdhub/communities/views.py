"""Community pages: the list of communities, a community's threads, a thread with its
replies, writing and editing, reactions, follows, search, files and moderation."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.communities import digest, forms, policies, service
from pdhub.communities.models import Attachment, Community, Post, Thread
from pdhub.errors import NotFound
from pdhub.extensions import csrf, db
from pdhub.forms import saving
from pdhub.submissions.storage import (
    ArtifactUnreadable,
    file_response,
    file_store,
    read_stored,
)

bp = Blueprint("communities", __name__, url_prefix="/communities")


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _sort() -> str:
    value = request.args.get("sort", "newest")
    return value if value in service.SORTS else "newest"


def _community(community_id: int) -> Community:
    try:
        return service.get_community(db.session, current_user, community_id)
    except NotFound:
        abort(404)


def _thread(community: Community, thread_id: int) -> Thread:
    try:
        return service.get_thread(db.session, current_user, community, thread_id)
    except NotFound:
        abort(404)


def _post(community: Community, post_id: int) -> Post:
    try:
        return service.get_post(db.session, current_user, community, post_id)
    except NotFound:
        abort(404)


def _max_bytes() -> int:
    return int(current_app.config["PDHUB_MAX_UPLOAD_MB"]) * 1024 * 1024


def _upload() -> service.Upload | None:
    upload = request.files.get("upload")
    if upload is None or not upload.filename:
        return None
    return service.Upload(
        filename=upload.filename,
        content=upload.stream.read(_max_bytes() + 1),
        max_bytes=_max_bytes(),
    )


def _post_url(post: Post, page: int | None = None) -> str:
    return (
        url_for(
            "communities.thread",
            community_id=post.thread.community_id,
            thread_id=post.thread_id,
            page=page,
        )
        + f"#post-{post.id}"
    )


# --- Lists ----------------------------------------------------------------------------


@bp.get("")
@login_required
def index() -> Any:
    listing = service.community_list(db.session, current_user, _page())
    html = render_template(
        "communities/index.html",
        listing=listing,
        communities=listing.communities,
        recent=service.recent_threads(db.session, current_user),
        unread_threads=service.unread_count(db.session, current_user),
        search_form=forms.SearchForm(formdata=None),
        can_create=policies.can_create_topic(current_user),
        can_moderate=policies.can_see_moderation_queue(current_user),
    )
    db.session.commit()  # communities made on first visit
    return html


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_community() -> Any:
    if not policies.can_create_topic(current_user):
        abort(404)
    form = forms.CommunityForm()
    if form.validate_on_submit():
        created: list[Community] = []
        with saving(form) as saved:
            created.append(
                service.create_topic(
                    db.session,
                    current_user,
                    name=form.name.data or "",
                    description=form.description.data or "",
                )
            )
        if saved.ok:
            flash(_("Your community is ready. Start the first discussion."), "success")
            return redirect(
                url_for("communities.community", community_id=created[0].id), 303
            )
    status = 422 if form.errors or form.form_errors else 200
    return render_template("communities/new_community.html", form=form), status


@bp.get("/search")
@login_required
def search() -> Any:
    form = forms.SearchForm(request.args)
    results = service.search(
        db.session, current_user, form.q.data or "", sort=_sort(), page=_page()
    )
    return render_template(
        "communities/search.html",
        form=form,
        results=results,
        sort=_sort(),
        community=None,
    )


@bp.get("/<int:community_id>")
@login_required
def community(community_id: int) -> Any:
    community = _community(community_id)
    page = service.community_page(db.session, current_user, community, _page(), _sort())
    return render_template(
        "communities/community.html",
        community=community,
        page=page,
        sort=_sort(),
        search_form=forms.SearchForm(formdata=None),
        confirm=forms.ConfirmForm(),
    )


@bp.get("/<int:community_id>/search")
@login_required
def community_search(community_id: int) -> Any:
    community = _community(community_id)
    form = forms.SearchForm(request.args)
    results = service.search(
        db.session,
        current_user,
        form.q.data or "",
        community=community,
        sort=_sort(),
        page=_page(),
    )
    return render_template(
        "communities/search.html",
        form=form,
        results=results,
        sort=_sort(),
        community=community,
    )


@bp.post("/<int:community_id>/follow")
@login_required
def follow_community(community_id: int) -> Any:
    community = _community(community_id)
    if forms.ConfirmForm().validate_on_submit():
        if request.form.get("follow") == "1":
            service.follow(db.session, current_user, community=community)
            flash(
                _(
                    "You follow this community: new discussions come to your "
                    "notifications."
                ),
                "success",
            )
        else:
            service.unfollow(db.session, current_user, community=community)
            flash(_("You no longer follow this community."), "success")
        db.session.commit()
    return redirect(url_for("communities.community", community_id=community.id), 303)


# --- Threads --------------------------------------------------------------------------


@bp.route("/<int:community_id>/threads/new", methods=["GET", "POST"])
@login_required
def new_thread(community_id: int) -> Any:
    community = _community(community_id)
    form = forms.ThreadForm()
    if request.method == "GET":
        page = service.community_page(db.session, current_user, community, 1, "newest")
        if page.draft is not None:
            form.title.data = page.draft.title
            form.body.data = page.draft.body_markdown
    elif form.validate_on_submit():
        if request.form.get("action") == "draft":
            service.save_draft(
                db.session,
                current_user,
                community,
                None,
                title=form.title.data or "",
                body=form.body.data or "",
            )
            db.session.commit()
            flash(
                _("Your draft is saved. It will be here when you come back."), "success"
            )
            return redirect(
                url_for("communities.new_thread", community_id=community.id), 303
            )
        made: list[Thread] = []
        with saving(form) as saved:
            made.append(
                service.start_thread(
                    db.session,
                    current_user,
                    community,
                    title=form.title.data or "",
                    body=form.body.data or "",
                    is_question=bool(form.is_question.data),
                    upload=_upload(),
                    store=file_store(),
                )
            )
        if saved.ok:
            return redirect(
                url_for(
                    "communities.thread",
                    community_id=community.id,
                    thread_id=made[0].id,
                ),
                303,
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "communities/new_thread.html", community=community, form=form
    ), status


def _render_thread(
    community: Community, thread: Thread, reply_form: forms.ReplyForm, status: int = 200
) -> Any:
    page = service.thread_page(db.session, current_user, thread, _page())
    if request.method == "GET":
        quoted = request.args.get("quote", "")
        if quoted.isdigit():
            try:
                post = service.get_post(
                    db.session, current_user, community, int(quoted)
                )
            except NotFound:
                abort(404)
            reply_form.body.data = service.quote_markdown(post) + (
                page.draft.body_markdown if page.draft else ""
            )
        elif page.draft is not None:
            reply_form.body.data = page.draft.body_markdown
    last = page.posts[-1].created_at if page.posts else thread.last_post_at
    # The marker only moves forward: re-reading what was read writes nothing.
    moved = page.unread_from is None or last > page.unread_from
    if moved:
        service.mark_read(db.session, current_user, thread, last)
    html = render_template(
        "communities/thread.html",
        community=community,
        thread=thread,
        page=page,
        form=reply_form,
        confirm=forms.ConfirmForm(),
        moderate_form=forms.ModerateForm(formdata=None),
        can_reply=page.muted_until is None
        and (thread.locked_at is None or page.moderates(thread.author_id)),
    )
    if moved:
        db.session.commit()  # the read marker, after the page used what it loaded
    return html, status


@bp.get("/<int:community_id>/threads/<int:thread_id>")
@login_required
def thread(community_id: int, thread_id: int) -> Any:
    community = _community(community_id)
    thread = _thread(community, thread_id)
    return _render_thread(community, thread, forms.ReplyForm(formdata=None))


@bp.post("/<int:community_id>/threads/<int:thread_id>/reply")
@login_required
def reply(community_id: int, thread_id: int) -> Any:
    community = _community(community_id)
    thread = _thread(community, thread_id)
    form = forms.ReplyForm()
    if not form.validate_on_submit():
        return _render_thread(community, thread, form, 422)
    if request.form.get("action") == "draft":
        service.save_draft(
            db.session,
            current_user,
            community,
            thread,
            title="",
            body=form.body.data or "",
        )
        db.session.commit()
        flash(_("Your draft is saved. It will be here when you come back."), "success")
        return redirect(
            url_for(
                "communities.thread", community_id=community.id, thread_id=thread.id
            )
            + "#reply",
            303,
        )
    made: list[Post] = []
    with saving(form) as saved:
        made.append(
            service.reply(
                db.session,
                current_user,
                thread,
                body=form.body.data or "",
                upload=_upload(),
                store=file_store(),
            )
        )
    if not saved.ok:
        return _render_thread(community, thread, form, 422)
    return redirect(
        url_for("communities.post", community_id=community.id, post_id=made[0].id), 303
    )


@bp.post("/<int:community_id>/threads/<int:thread_id>/follow")
@login_required
def follow_thread(community_id: int, thread_id: int) -> Any:
    community = _community(community_id)
    thread = _thread(community, thread_id)
    if forms.ConfirmForm().validate_on_submit():
        if request.form.get("follow") == "1":
            service.follow(db.session, current_user, thread=thread)
            flash(
                _("You follow this discussion: replies come to your notifications."),
                "success",
            )
        else:
            service.unfollow(db.session, current_user, thread=thread)
            flash(_("You no longer follow this discussion."), "success")
        db.session.commit()
    return redirect(
        url_for("communities.thread", community_id=community.id, thread_id=thread.id),
        303,
    )


@bp.post("/<int:community_id>/threads/<int:thread_id>/moderate")
@login_required
def moderate_thread(community_id: int, thread_id: int) -> Any:
    community = _community(community_id)
    thread = _thread(community, thread_id)
    if not policies.can_moderate(db.session, current_user, community, thread.author_id):
        abort(404)
    form = forms.ModerateForm()
    action = request.form.get("action", "")
    if form.validate_on_submit():
        reason = form.reason.data or ""
        with saving() as saved:
            if action in {"lock", "unlock"}:
                service.set_locked(
                    db.session, current_user, thread, action == "lock", reason
                )
            elif action in {"pin", "unpin"}:
                service.set_pinned(db.session, current_user, thread, action == "pin")
            else:
                abort(400)
        if saved.ok:
            flash(_("Done. The change is recorded."), "success")
    return redirect(
        url_for("communities.thread", community_id=community.id, thread_id=thread.id),
        303,
    )


# --- Posts ----------------------------------------------------------------------------


@bp.get("/<int:community_id>/posts/<int:post_id>")
@login_required
def post(community_id: int, post_id: int) -> Any:
    """A post's lasting address: its thread, on the page where it is."""
    community = _community(community_id)
    post = _post(community, post_id)
    before = (
        db.session.query(Post)
        .filter(Post.thread_id == post.thread_id, Post.created_at < post.created_at)
        .count()
    )
    return redirect(_post_url(post, before // service.PAGE_SIZE + 1), 303)


@bp.route("/<int:community_id>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(community_id: int, post_id: int) -> Any:
    community = _community(community_id)
    post = _post(community, post_id)
    if not service.can_edit(current_user, post):
        abort(404)
    form = forms.EditForm()
    if request.method == "GET":
        form.title.data = post.thread.title
        form.body.data = post.body_markdown
    elif form.validate_on_submit():
        with saving(form) as saved:
            service.edit_post(
                db.session,
                current_user,
                post,
                body=form.body.data or "",
                title=form.title.data if post.is_opening else None,
            )
        if saved.ok:
            flash(_("Your changes are saved."), "success")
            return redirect(
                url_for("communities.post", community_id=community.id, post_id=post.id),
                303,
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "communities/edit_post.html", community=community, post=post, form=form
    ), status


@bp.get("/<int:community_id>/posts/<int:post_id>/history")
@login_required
def post_history(community_id: int, post_id: int) -> Any:
    community = _community(community_id)
    post = _post(community, post_id)
    if not policies.can_moderate(db.session, current_user, community, post.author_id):
        abort(404)
    return render_template(
        "communities/history.html",
        community=community,
        post=post,
        revisions=service.revisions(db.session, post),
    )


@bp.post("/<int:community_id>/posts/<int:post_id>/helpful")
@login_required
def helpful(community_id: int, post_id: int) -> Any:
    community = _community(community_id)
    post = _post(community, post_id)
    if forms.ConfirmForm().validate_on_submit():
        with saving():
            service.toggle_helpful(db.session, current_user, post)
    return redirect(
        url_for("communities.post", community_id=community.id, post_id=post.id), 303
    )


@bp.post("/<int:community_id>/posts/<int:post_id>/accept")
@login_required
def accept(community_id: int, post_id: int) -> Any:
    community = _community(community_id)
    post = _post(community, post_id)
    if forms.ConfirmForm().validate_on_submit():
        choose = request.form.get("accept") != "0"
        with saving() as saved:
            service.accept_answer(
                db.session, current_user, post.thread, post if choose else None
            )
        if saved.ok:
            flash(
                _("Marked as the answer.") if choose else _("The answer is unmarked."),
                "success",
            )
    return redirect(
        url_for("communities.post", community_id=community.id, post_id=post.id), 303
    )


@bp.route("/<int:community_id>/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(community_id: int, post_id: int) -> Any:
    community = _community(community_id)
    post = _post(community, post_id)
    form = forms.ReportForm()
    if form.validate_on_submit():
        with saving(form) as saved:
            service.report_post(db.session, current_user, post, form.reason.data or "")
        if saved.ok:
            flash(_("Thank you. The moderators will look at this post."), "success")
            return redirect(
                url_for("communities.post", community_id=community.id, post_id=post.id),
                303,
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "communities/report.html", community=community, post=post, form=form
    ), status


@bp.route("/<int:community_id>/posts/<int:post_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate_post(community_id: int, post_id: int) -> Any:
    community = _community(community_id)
    post = _post(community, post_id)
    if not policies.can_moderate(db.session, current_user, community, post.author_id):
        abort(404)
    form = forms.ModerateForm()
    if form.validate_on_submit():
        action = request.form.get("action", "")
        reason = form.reason.data or ""
        with saving(form) as saved:
            if action == "hide":
                service.hide_post(db.session, current_user, post, reason)
            elif action == "restore":
                service.restore_post(db.session, current_user, post, reason)
            elif action == "mute" and post.author is not None:
                service.mute(
                    db.session, current_user, community, post.author,
                    days=form.days.data or 7, reason=reason, post=post,
                )  # fmt: skip
            elif action == "dismiss":
                service.dismiss_reports(db.session, current_user, post)
            else:
                abort(400)
        if saved.ok:
            flash(_("Done. The change is recorded and the author is told."), "success")
            return redirect(
                url_for("communities.post", community_id=community.id, post_id=post.id),
                303,
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "communities/moderate.html", community=community, post=post, form=form
    ), status


@bp.get("/<int:community_id>/files/<int:attachment_id>")
@login_required
def attachment(community_id: int, attachment_id: int) -> Any:
    """A post's file, for whoever may see the post (the same response as evidence
    files: download, or a safe type shown in place with ``?inline=1``)."""
    community = _community(community_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    _post(community, item.post_id)
    try:
        content = read_stored(item.storage_key)
    except ArtifactUnreadable:
        abort(404)
    audit.record_view_of(
        db.session,
        AuditAction.ATTACHMENT_DOWNLOAD,
        current_user,
        item.post.author,
        "community_attachment",
        item.id,
    )
    return file_response(item, content, inline=request.args.get("inline") is not None)


@bp.get("/moderation")
@login_required
def moderation() -> Any:
    if not policies.can_see_moderation_queue(current_user):
        abort(404)
    return render_template(
        "communities/moderation.html",
        queue=service.moderation_queue(db.session, current_user),
    )


# --- Email digest ---------------------------------------------------------------------


@bp.post("/digest")
@login_required
def digest_settings() -> Any:
    form = forms.DigestForm()
    if form.validate_on_submit():
        digest.set_frequency(db.session, current_user, form.frequency.data or None)
        db.session.commit()
        flash(_("Your digest choice is saved."), "success")
    else:
        flash(_("Choose daily, weekly or no digest."), "error")
    return redirect(url_for("accounts.profile") + "#digest-title", 303)


@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> Any:
    """One-click unsubscribe (RFC 8058): a mail program POSTs here without a
    session; a person opening the link first sees a page that asks."""
    person = digest.user_for_token(db.session, token)
    if person is None:
        return render_template("communities/unsubscribe_invalid.html"), 404
    if request.method == "POST":
        # No CSRF token: the signed link is the permission, and a mail program's
        # one-click POST carries none.
        digest.set_frequency(db.session, person, None)
        db.session.commit()
        return render_template("communities/unsubscribe.html", done=True)
    return render_template(
        "communities/unsubscribe.html",
        done=False,
        following=digest.frequency_of(db.session, person) is not None,
    )

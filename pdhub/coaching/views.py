"""Coaching pages: a person's conversations, one conversation, starting one (perhaps
from a submission's feedback), and office hours (publish, book, cancel)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.accounts import timezones
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.coaching import forms, policies, service
from pdhub.coaching.models import Conversation
from pdhub.errors import InvalidInput, NotFound
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.learning.localized import localized
from pdhub.submissions.models import Submission

bp = Blueprint("coaching", __name__, url_prefix="/coaching")


def _require_user() -> None:
    if not policies.uses_coaching(current_user):
        abort(404)


def _conversation(conversation_id: int) -> Conversation:
    try:
        return service.get(db.session, current_user, conversation_id)
    except NotFound:
        abort(404)


@bp.get("")
@login_required
def index() -> Any:
    _require_user()
    return render_template(
        "coaching/index.html",
        conversations=service.conversations_of(db.session, current_user),
        bookings=service.upcoming_bookings(db.session, current_user),
        can_start=current_user.role is Role.TEACHER,
    )


def _own_submission(value: str | None) -> Submission | None:
    if not value or not value.isdigit():
        return None
    submission = db.session.get(Submission, int(value))
    if submission is None or submission.enrollment.user_id != current_user.id:
        abort(404)
    return submission


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if current_user.role is not Role.TEACHER:
        abort(404)
    form = forms.ConversationForm()
    coaches = service.coaches_for(db.session, current_user)
    form.coach.choices = [(c.id, c.name) for c in coaches]
    submission = _own_submission(
        request.args.get("submission")
        if request.method == "GET"
        else form.submission.data
    )
    if request.method == "GET" and submission is not None:
        form.submission.data = str(submission.id)
        form.subject.data = _(
            "A question about my feedback: %(module)s",
            module=localized(submission.enrollment.module).title,
        )
        reviewer = service.reviewer_of(db.session, submission)
        if reviewer is not None:
            form.coach.data = reviewer
    if form.validate_on_submit():
        started: list[Conversation] = []
        coach = db.session.get(User, form.coach.data) if form.coach.data else None
        with saving(form) as saved:
            if coach is None:
                raise InvalidInput(_("Choose one of your coaches."), field="coach")
            started.append(
                service.start(
                    db.session,
                    current_user,
                    coach,
                    subject=form.subject.data or "",
                    body=form.body.data or "",
                    submission=submission,
                )
            )
        if saved.ok:
            flash(_("Your message is on its way to your coach."), "success")
            return redirect(
                url_for("coaching.conversation", conversation_id=started[0].id), 303
            )
    status = 422 if form.errors or form.form_errors else 200
    return (
        render_template(
            "coaching/new.html",
            form=form,
            has_coach=bool(coaches),
            submission=submission,
        ),
        status,
    )


@bp.route("/teachers/<int:user_id>/new", methods=["GET", "POST"])
@login_required
def new_with_teacher(user_id: int) -> Any:
    """A coach writes first to a teacher they serve (from a cohort's progress
    page); anyone else, or a teacher out of their scope, finds nothing here."""
    if current_user.role is not Role.COACH:
        abort(404)
    try:
        teacher = service.served_teacher(db.session, current_user, user_id)
    except NotFound:
        abort(404)
    form = forms.TeacherConversationForm()
    if form.validate_on_submit():
        started: list[Conversation] = []
        with saving(form) as saved:
            started.append(
                service.start_with_teacher(
                    db.session,
                    current_user,
                    teacher,
                    subject=form.subject.data or "",
                    body=form.body.data or "",
                )
            )
        if saved.ok:
            flash(
                _("Your message is on its way to %(name)s.", name=teacher.name),
                "success",
            )
            return redirect(
                url_for("coaching.conversation", conversation_id=started[0].id), 303
            )
    status = 422 if form.errors or form.form_errors else 200
    return (
        render_template("coaching/new_with_teacher.html", form=form, teacher=teacher),
        status,
    )


@bp.route("/<int:conversation_id>", methods=["GET", "POST"])
@login_required
def conversation(conversation_id: int) -> Any:
    found = _conversation(conversation_id)
    party = policies.is_party(current_user, found)
    if not party and request.method == "GET":
        # An administrator reading someone's conversation is on the audit trail
        # (and on the teacher's list of who opened their work).
        audit.record(
            db.session,
            AuditAction.CONVERSATION_VIEW,
            actor=current_user,
            subject=found.teacher,
            object_type="conversation",
            object_id=found.id,
            detail={"coach_id": found.coach_id},
        )
    form = forms.MessageForm()
    status = 200
    if request.method == "POST":
        if not party:
            abort(403)
        if form.validate_on_submit():
            with saving(form) as saved:
                service.write(db.session, current_user, found, form.body.data or "")
            if saved.ok:
                flash(_("Message sent."), "success")
                return redirect(
                    url_for("coaching.conversation", conversation_id=found.id), 303
                )
        status = 422
    return (
        render_template(
            "coaching/conversation.html",
            conversation=found,
            messages=service.messages(db.session, found),
            form=form,
            party=party,
        ),
        status,
    )


def _office_hours_page(form: forms.SlotForm | None = None, status: int = 200) -> Any:
    coach = current_user.role is Role.COACH
    return (
        render_template(
            "coaching/office_hours.html",
            is_coach=coach,
            slot_form=form or forms.SlotForm(formdata=None),
            coach_slots=service.coach_slots(db.session, current_user) if coach else [],
            open_slots=(
                service.open_slots(db.session, current_user)
                if current_user.role is Role.TEACHER
                else []
            ),
            bookings=service.upcoming_bookings(db.session, current_user),
            action_form=forms.ActionForm(formdata=None),
            zone_label=timezones.zone_label(timezones.zone_name_for(current_user)),
        ),
        status,
    )


@bp.get("/office-hours")
@login_required
def office_hours() -> Any:
    _require_user()
    return _office_hours_page()


@bp.post("/office-hours")
@login_required
def publish_slot() -> Any:
    if not policies.can_publish_office_hours(current_user):
        abort(404)
    form = forms.SlotForm()
    if form.validate_on_submit():
        starts_at = timezones.local_moment(
            form.day.data,
            form.start.data,
            timezones.zone_for(current_user),
        )
        with saving(form) as saved:
            service.publish_slot(
                db.session,
                current_user,
                starts_at=starts_at,
                duration_minutes=form.duration.data or 0,
                place=form.place.data or "",
            )
        if saved.ok:
            flash(_("Your office hours are published."), "success")
            return redirect(url_for("coaching.office_hours"), 303)
    return _office_hours_page(form, 422)


@bp.post("/office-hours/<int:slot_id>/book")
@login_required
def book(slot_id: int) -> Any:
    if current_user.role is not Role.TEACHER:
        abort(404)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        slot = service.get_slot(db.session, slot_id)
    except NotFound:
        abort(404)
    with saving(form, show=False) as saved:
        service.book(db.session, current_user, slot)
    if saved.error is not None:
        if isinstance(saved.error, NotFound):
            abort(404)
        flash(saved.error.message, "error")
        return _office_hours_page(status=409)
    flash(_("Booked. You'll get a reminder the day before."), "success")
    return redirect(url_for("coaching.office_hours"), 303)


@bp.post("/office-hours/<int:slot_id>/withdraw")
@login_required
def withdraw_slot(slot_id: int) -> Any:
    if not policies.can_publish_office_hours(current_user):
        abort(404)
    try:
        slot = service.get_slot(db.session, slot_id)
    except NotFound:
        abort(404)
    if slot.coach_id != current_user.id:
        abort(404)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    with saving(form) as saved:
        service.withdraw_slot(db.session, current_user, slot)
    if saved.ok:
        flash(_("That time is withdrawn."), "success")
    return redirect(url_for("coaching.office_hours"), 303)


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel_booking(booking_id: int) -> Any:
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        booking = service.get_booking(db.session, current_user, booking_id)
    except NotFound:
        abort(404)
    with saving(form) as saved:
        service.cancel_booking(db.session, current_user, booking)
    if saved.ok:
        flash(_("The booking is cancelled."), "success")
    return redirect(url_for("coaching.office_hours"), 303)

"""Learning pages: the catalog, module pages, lessons, knowledge checks, the teacher's
own learning and PD-hours transcript."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.clr import service as clr_service
from pdhub.credentials.forms import ShareForm
from pdhub.districts import credit, external, ledger
from pdhub.errors import NotFound
from pdhub.exports import Cell, csv_response, csv_text
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.learning import forms, localized, policies, service, transcript_files
from pdhub.learning.models import Enrollment, Module, QuizAttempt, QuizAttemptStatus
from pdhub.templating import in_zone, viewer_zone

bp = Blueprint("learning", __name__)


@bp.app_template_filter("localized")
def localized_filter(
    module: Module | localized.LocalizedModule,
) -> localized.LocalizedModule:
    """``{{ (enrollment.module|localized).title }}``: a module's texts in the reader's
    language (in an email, its recipient's) wherever a page or message names it."""
    return localized.localized(module)


def _enrollment(enrollment_id: int) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or not policies.can_open_enrollment(current_user, enrollment):
        abort(404)
    return enrollment


def _catalog_query(form: forms.CatalogForm) -> service.CatalogQuery:
    try:
        page = max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    valid = form.validate()
    return service.CatalogQuery(
        q=(form.q.data or "").strip()[:200],
        topic=form.topic.data or "",
        grade_band=form.grade_band.data or "",
        standard=form.standard.data or "",
        hours_min=float(form.hours_min.data)
        if valid and form.hours_min.data is not None
        else None,
        hours_max=float(form.hours_max.data)
        if valid and form.hours_max.data is not None
        else None,
        sort=form.sort.data if form.sort.data in service.SORTS else "title",
        page=page,
    )


@bp.get("/modules")
@login_required
def catalog() -> Any:
    form = forms.CatalogForm(request.args)
    query = _catalog_query(form)
    result = service.catalog(
        db.session, current_user, query, localized.current_language()
    )
    form.topic.choices = [SelectChoice("", _("Any topic"))] + [
        SelectChoice(topic, topic.replace("-", " ").capitalize())
        for topic in result.facets.topics
    ]
    form.grade_band.choices = [SelectChoice("", _("Any grade band"))] + [
        SelectChoice(band, band) for band in result.facets.grade_bands
    ]
    form.standard.choices = [SelectChoice("", _("Any standard"))] + [
        SelectChoice(code, label) for code, label in result.facets.standards
    ]
    args = {
        key: value for key, value in request.args.items() if key != "page" and value
    }
    return render_template(
        "learning/catalog.html", form=form, result=result, query=query, page_args=args
    )


@bp.get("/modules/<slug>")
@login_required
def module(slug: str) -> Any:
    try:
        current = service.current_module(db.session, slug)
    except NotFound:
        abort(404)
    enrollment = service.enrollment_for(db.session, current_user, slug)
    progress = service.progress(db.session, enrollment) if enrollment else None
    return render_template(
        "learning/module.html",
        module=localized.localized(current),
        enrollment=enrollment,
        progress=progress,
        can_enroll=policies.can_enroll(current_user),
        enroll_form=ConfirmForm(prefix="enroll"),
    )


@bp.get("/modules/<slug>/badge")
@login_required
def badge(slug: str) -> Any:
    version = request.args.get("version", type=int)
    try:
        found = service.module_version(db.session, slug, version)
    except NotFound:
        abort(404)
    response = Response(found.badge_image, mimetype=found.badge_media_type)
    # SVG is a document: a badge opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/modules/<slug>/enroll")
@login_required
def enroll(slug: str) -> Any:
    if not policies.can_enroll(current_user):
        abort(403)
    try:
        current = service.current_module(db.session, slug)
    except NotFound:
        abort(404)
    if not current_user.email_verified:
        flash(_("Confirm your email address first: then you can enroll."), "info")
        return redirect(url_for("accounts.verify_email"), 303)
    if not ConfirmForm(prefix="enroll").validate_on_submit():
        flash(_("That form expired. Please press Enroll again."), "error")
        return redirect(url_for("learning.module", slug=slug), 303)
    enrollment = service.enroll(
        db.session, current_user, current, localized.current_language()
    )
    db.session.commit()
    return redirect(_resume_url(enrollment), 303)


def _resume_url(enrollment: Enrollment) -> str:
    lesson = enrollment.current_lesson
    if lesson is not None and lesson.module_id == enrollment.module_id:
        return url_for(
            "learning.lesson", enrollment_id=enrollment.id, lesson_slug=lesson.slug
        )
    step = service.progress(db.session, enrollment).next_step
    return (
        _step_url(enrollment, step)
        if step
        else url_for("learning.module", slug=enrollment.module.slug)
    )


def _step_url(enrollment: Enrollment, step: service.Step) -> str:
    if step.url_kind == "lesson":
        return url_for(
            "learning.lesson", enrollment_id=enrollment.id, lesson_slug=step.lesson_slug
        )
    if step.url_kind == "quiz":
        return url_for("learning.quiz", enrollment_id=enrollment.id)
    return url_for("submissions.evidence", enrollment_id=enrollment.id)


@bp.get("/learn/<int:enrollment_id>")
@login_required
def resume(enrollment_id: int) -> Any:
    return redirect(_resume_url(_enrollment(enrollment_id)))


@bp.get("/learn/<int:enrollment_id>/lessons/<lesson_slug>")
@login_required
def lesson(enrollment_id: int, lesson_slug: str) -> Any:
    enrollment = _enrollment(enrollment_id)
    try:
        current = service.find_lesson(enrollment, lesson_slug)
    except NotFound:
        abort(404)
    service.open_lesson(db.session, current_user, enrollment, current)
    db.session.commit()
    module = localized.localized(enrollment.module)
    lessons = enrollment.module.lessons
    index = lessons.index(current)
    return render_template(
        "learning/lesson.html",
        enrollment=enrollment,
        module=module,
        lesson=module.localize_lesson(current),
        position=index + 1,
        previous=module.localize_lesson(lessons[index - 1]) if index > 0 else None,
        following=module.localize_lesson(lessons[index + 1])
        if index + 1 < len(lessons)
        else None,
        progress=service.progress(db.session, enrollment),
        complete_form=ConfirmForm(prefix="done"),
    )


@bp.post("/learn/<int:enrollment_id>/lessons/<lesson_slug>/complete")
@login_required
def complete_lesson(enrollment_id: int, lesson_slug: str) -> Any:
    enrollment = _enrollment(enrollment_id)
    try:
        current = service.find_lesson(enrollment, lesson_slug)
    except NotFound:
        abort(404)
    if not ConfirmForm(prefix="done").validate_on_submit():
        flash(_("That form expired. Please press the button again."), "error")
        return redirect(
            url_for(
                "learning.lesson", enrollment_id=enrollment.id, lesson_slug=current.slug
            ),
            303,
        )
    following = service.complete_lesson(db.session, current_user, enrollment, current)
    db.session.commit()
    if following is not None:
        return redirect(
            url_for(
                "learning.lesson",
                enrollment_id=enrollment.id,
                lesson_slug=following.slug,
            ),
            303,
        )
    flash(_("You finished the last lesson. Next: the knowledge check."), "success")
    return redirect(url_for("learning.quiz", enrollment_id=enrollment.id), 303)


def _render_quiz(
    enrollment: Enrollment,
    form: forms.QuizForm,
    problems: dict[str, str] | None = None,
    given: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    attempts = service.current_attempts(db.session, enrollment)
    allowed = service.allowed_attempts(db.session, enrollment)
    module = localized.localized(enrollment.module)
    return render_template(
        "learning/quiz.html",
        enrollment=enrollment,
        module=module,
        quiz=module.localize_quiz(service.next_paper(db.session, enrollment)),
        attempts=attempts,
        form=form,
        problems=problems or {},
        given=given or {},
        allowed=allowed,
        attempts_left=max(0, allowed - len(attempts)),
        passed=any(attempt.passed for attempt in attempts),
        progress=service.progress(db.session, enrollment),
    ), status


@bp.get("/learn/<int:enrollment_id>/quiz")
@login_required
def quiz(enrollment_id: int) -> Any:
    return _render_quiz(_enrollment(enrollment_id), forms.QuizForm())


@bp.post("/learn/<int:enrollment_id>/quiz")
@login_required
def submit_quiz(enrollment_id: int) -> Any:
    enrollment = _enrollment(enrollment_id)
    form = forms.QuizForm()
    given = {
        key[2:]: request.form.getlist(key)
        for key in request.form
        if key.startswith("q-")
    }
    if not form.validate_on_submit():
        return _render_quiz(enrollment, form, given=given, status=422)
    with saving(show=False) as saved:
        attempt = service.submit_quiz(
            db.session, current_user, enrollment, request.form.to_dict(flat=False)
        )
    if isinstance(saved.error, service.AnswerProblems):
        return _render_quiz(enrollment, form, saved.error.problems, given, 422)
    if saved.error is not None:
        form.form_errors.append(saved.error.message)
        return _render_quiz(enrollment, form, given=given, status=422)
    return redirect(
        url_for(
            "learning.quiz_attempt", enrollment_id=enrollment.id, number=attempt.number
        ),
        303,
    )


@bp.get("/learn/<int:enrollment_id>/quiz/attempts/<int:number>")
@login_required
def quiz_attempt(enrollment_id: int, number: int) -> Any:
    enrollment = _enrollment(enrollment_id)
    attempt = db.session.scalar(
        db.select(QuizAttempt).where(
            QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.number == number
        )
    )
    if attempt is None:
        abort(404)
    attempts = service.attempts(db.session, enrollment)
    allowed = service.allowed_attempts(db.session, enrollment)
    module = localized.localized(enrollment.module)
    # Feedback was kept in English when graded; show it in the reader's language.
    results = {
        result["question_id"]: {
            **result,
            "feedback": module.feedback(result["question_id"], result["correct"])
            or result["feedback"],
        }
        for result in attempt.results or []
    }
    return render_template(
        "learning/quiz_result.html",
        enrollment=enrollment,
        module=module,
        quiz=module.localize_quiz(service.attempt_quiz(attempt)),
        passing_score=service.module_quiz(enrollment.module).passing_score,
        attempt=attempt,
        scoring=attempt.status is QuizAttemptStatus.SUBMITTED,
        results=results,
        lessons={lesson.slug: lesson for lesson in module.lessons},
        allowed=allowed,
        attempts_left=max(0, allowed - len(attempts)),
        passed_any=any(a.passed for a in attempts),
        progress=service.progress(db.session, enrollment),
    )


# --- more attempts (coaches and district administrators) ------------------------------


@bp.get("/learn/out-of-tries")
@roles_required(Role.COACH, Role.DISTRICT_ADMIN, Role.ADMIN)
def out_of_tries() -> Any:
    return render_template(
        "learning/out_of_tries.html",
        entries=service.out_of_tries(db.session, current_user),
        form=forms.GrantAttemptsForm(),
    )


@bp.post("/learn/<int:enrollment_id>/quiz/grant")
@roles_required(Role.COACH, Role.DISTRICT_ADMIN, Role.ADMIN)
def grant_attempts(enrollment_id: int) -> Any:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        abort(404)
    form = forms.GrantAttemptsForm()
    if form.validate_on_submit():
        with saving(show=False) as saved:
            service.grant_attempts(
                db.session, current_user, enrollment, form.note.data or ""
            )
        if isinstance(saved.error, NotFound):
            abort(404)
        if saved.error is not None:
            flash(saved.error.message, "error")
        else:
            flash(
                _(
                    "%(name)s can try the knowledge check for %(module)s again. "
                    "We told them by email.",
                    name=enrollment.user.name,
                    module=enrollment.module.title,
                ),
                "success",
            )
    else:
        flash(_("Use at most 500 characters for the note."), "error")
    return redirect(url_for("learning.out_of_tries"), 303)


@bp.get("/learn")
@login_required
def my_learning() -> Any:
    return render_template(
        "learning/my_learning.html",
        learning=service.my_learning(db.session, current_user),
    )


@bp.get("/transcript")
@login_required
def transcript() -> Any:
    rows = service.transcript(db.session, current_user, localized.current_language())
    workshops = service.workshop_rows(db.session, current_user)
    return render_template(
        "learning/transcript.html",
        rows=rows,
        workshops=workshops,
        module_total=service.transcript_total(rows),
        workshop_total=service.workshop_total(workshops),
        total=service.transcript_total(rows) + service.workshop_total(workshops),
        not_counted=sum(row.hours for row in rows if not row.counted)
        + sum(row.hours for row in workshops if not row.counted),
        ledger=ledger.teacher_ledger(db.session, current_user),
        elsewhere=external.mine(db.session, current_user),
        can_log=current_user.role is Role.TEACHER
        and current_user.district_id is not None,
        unit_name=credit.unit_name,
        status_label=external.status_label,
        clr=clr_service.latest(db.session, current_user),
        clr_public_url=clr_service.public_url,
        share_form=ShareForm(),
    )


@bp.get("/transcript.csv")
@login_required
def transcript_csv() -> Any:
    # Machine-readable: ISO 8601 in the teacher's zone, with its offset from UTC.
    zone = viewer_zone()
    rows = service.transcript(db.session, current_user, localized.current_language())
    workshops = service.workshop_rows(db.session, current_user)
    total = service.transcript_total(rows) + service.workshop_total(workshops)
    # Headings and words in the reader's language; numbers and times stay in one
    # format a spreadsheet reads, whatever the language.
    text = csv_text(
        [
            _("Module"),
            _("Version"),
            _("PD hours"),
            _("Completed at (ISO 8601, with UTC offset)"),
            _("Badge status"),
            _("Counted"),
        ],
        [
            *(
                (
                    row.module,
                    row.version,
                    f"{row.hours:g}",
                    in_zone(row.completed, zone).isoformat(timespec="seconds"),
                    row.status_label,
                    _("yes")
                    if row.counted
                    else _("no (badge %(status)s)", status=row.status_label.lower()),
                )
                for row in rows
            ),
            *workshop_csv_rows(workshops),
            [_("Total PD hours counted"), "", f"{total:g}"],
            *transcript_files.district_rows(
                transcript_files.transcript(
                    db.session, current_user, localized.current_language()
                )
            ),
        ],
    )
    return csv_response(text, "pd-hours-transcript.csv")


def workshop_csv_rows(workshops: list[service.WorkshopRow]) -> list[list[Cell]]:
    """The CSV's workshop section, under its own heading (none without any)."""
    if not workshops:
        return []
    return [
        [],
        [
            _("Workshops and sessions"),
            "",
            _("PD hours"),
            _("Session date"),
            _("Badge status"),
            _("Counted"),
        ],
        *(
            [
                row.name,
                "",
                f"{row.hours:g}",
                row.session_date.isoformat(),
                row.status_label,
                _("yes")
                if row.counted
                else _("no (badge %(status)s)", status=row.status_label.lower()),
            ]
            for row in workshops
        ),
        [],
    ]


@bp.get("/transcript.pdf")
@login_required
def transcript_pdf() -> Any:
    """The transcript to print or send: a QR code to each credential's verify page,
    in the reader's language."""
    found = transcript_files.transcript(
        db.session, current_user, localized.current_language()
    )
    return Response(
        transcript_files.transcript_pdf(found),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="pd-transcript.pdf"',
        },
    )


@bp.app_context_processor
def learning_globals() -> dict[str, Any]:
    def learning_dashboard() -> service.MyLearning | None:
        if not current_user.is_authenticated:
            return None
        return service.my_learning(db.session, current_user)

    def step_url(enrollment: Enrollment, step: service.Step) -> str:
        return _step_url(enrollment, step)

    return {"learning_dashboard": learning_dashboard, "step_url": step_url}

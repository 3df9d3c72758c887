"""Evidence pages: the draft with autosave, links and files, the checklist, submitting,
and a teacher's own files."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.extensions import db
from pdhub.forms import saving, show_error
from pdhub.learning import localized
from pdhub.learning import policies as learning_policies
from pdhub.learning import service as learning
from pdhub.learning.models import Enrollment
from pdhub.submissions import forms, policies, service
from pdhub.submissions.models import Artifact, Submission
from pdhub.submissions.storage import (
    ArtifactUnreadable,
    accepted_labels,
    file_response,
    file_store,
    read_artifact,
)
from pdhub.templating import format_time, viewer_zone

bp = Blueprint("submissions", __name__)


def _enrollment(enrollment_id: int) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or not learning_policies.can_open_enrollment(
        current_user, enrollment
    ):
        abort(404)
    return enrollment


def _max_bytes() -> int:
    return int(current_app.config["PDHUB_MAX_UPLOAD_MB"]) * 1024 * 1024


def render_evidence(
    enrollment: Enrollment,
    submission: Submission,
    form: forms.EvidenceForm,
    status: int = 200,
    inventory_form: Any = None,
) -> Any:
    """The evidence page; ``inventory_form`` is the class access inventory part as
    posted (with its errors), else it is filled from what was saved."""
    from pdhub.learnpath.forms import inventory_form_for

    latest = submission.versions[-1] if submission.versions else None
    module = localized.localized(enrollment.module)
    evidence_spec = module.evidence
    form.context.description = evidence_spec["context"]["prompt"]
    form.reflection.description = evidence_spec["reflection"]["prompt"]
    return render_template(
        "submissions/evidence.html",
        enrollment=enrollment,
        module=module,
        submission=submission,
        form=form,
        checklist=service.checklist(db.session, submission),
        progress=learning.progress(db.session, enrollment),
        evidence=evidence_spec,
        latest=latest,
        latest_files=service.version_artifacts(db.session, latest) if latest else [],
        word_count=service.word_count,
        accepted=accepted_labels(),
        max_mb=current_app.config["PDHUB_MAX_UPLOAD_MB"],
        inventory_form=inventory_form or inventory_form_for(enrollment),
    ), status


@bp.get("/learn/<int:enrollment_id>/evidence")
@login_required
def evidence(enrollment_id: int) -> Any:
    enrollment = _enrollment(enrollment_id)
    submission = service.get_or_create_draft(db.session, current_user, enrollment)
    db.session.commit()
    form = forms.EvidenceForm(
        data={
            "context": submission.context_text,
            "reflection": submission.reflection_text,
            "share_evidence_in_badge": submission.share_evidence_in_badge,
        }
    )
    return render_evidence(enrollment, submission, form)


@bp.post("/learn/<int:enrollment_id>/evidence")
@login_required
def save_evidence(enrollment_id: int) -> Any:
    """One form, several buttons: every press saves the text first, so nothing typed is
    lost, then adds the link and file given and does what the button asks."""
    enrollment = _enrollment(enrollment_id)
    submission = service.get_or_create_draft(db.session, current_user, enrollment)
    db.session.commit()
    form = forms.EvidenceForm()
    action = request.form.get("action", "save")
    if not submission.status.editable:
        flash(
            _(
                "Your evidence is %(status)s; it can't be changed now.",
                status=submission.status.label.lower(),
            ),
            "info",
        )
        return redirect(
            url_for("submissions.evidence", enrollment_id=enrollment.id), 303
        )
    if not form.validate_on_submit():
        return render_evidence(enrollment, submission, form, 422)
    failed = False

    def attempt(step: Any) -> None:
        nonlocal failed
        with saving(show=False) as saved:
            step()
        if (error := saved.error) is not None:
            show_error(form, error)
            failed = True

    attempt(
        lambda: service.save_text(
            db.session,
            current_user,
            submission,
            context=form.context.data or "",
            reflection=form.reflection.data or "",
        )
    )
    attempt(
        lambda: service.set_share_in_badge(
            db.session,
            current_user,
            submission,
            bool(form.share_evidence_in_badge.data),
        )
    )
    if form.link_url.data:
        attempt(
            lambda: service.add_link(
                db.session,
                current_user,
                submission,
                url=form.link_url.data,
                title=form.link_title.data or "",
            )
        )
    upload = request.files.get("upload")
    if upload is not None and upload.filename:
        content = upload.stream.read(_max_bytes() + 1)
        attempt(
            lambda: service.add_file(
                db.session,
                current_user,
                submission,
                file_store(),
                filename=upload.filename or "file",
                content=content,
                max_bytes=_max_bytes(),
            )
        )
    if action.startswith("remove-link-"):
        index = action.removeprefix("remove-link-")
        if index.isdigit():
            attempt(
                lambda: service.remove_link(
                    db.session, current_user, submission, int(index)
                )
            )
        else:
            form.form_errors.append(
                _("That button isn't one we know. Please try again.")
            )
            failed = True
    elif action.startswith("remove-file-"):
        artifact_id = action.removeprefix("remove-file-")
        if artifact_id.isdigit():
            attempt(
                lambda: service.remove_file(
                    db.session, current_user, submission, int(artifact_id)
                )
            )
        else:
            form.form_errors.append(
                _("That button isn't one we know. Please try again.")
            )
            failed = True
    elif action == "submit" and not failed:
        attempt(lambda: service.submit(db.session, current_user, submission))
        if not failed:
            flash(
                _(
                    "Your evidence is submitted. We'll let you know when it has been "
                    "reviewed."
                ),
                "success",
            )
            return redirect(
                url_for("submissions.evidence", enrollment_id=enrollment.id), 303
            )
    elif action not in {"save", "submit", "add", "add-link"}:
        form.form_errors.append(_("That button isn't one we know. Your text is saved."))
        failed = True
    if failed:
        db.session.refresh(submission)
        return render_evidence(enrollment, submission, form, 422)
    flash(_("Your draft is saved."), "success")
    return redirect(
        url_for("submissions.evidence", enrollment_id=enrollment.id)
        # Back where the change shows: the list of files and links.
        + ("#links" if action in {"add", "add-link"} or "remove-" in action else ""),
        303,
    )


@bp.post("/learn/<int:enrollment_id>/evidence/autosave")
@login_required
def autosave(enrollment_id: int) -> Any:
    """Background save of the written parts and the sharing choice (autosave.js);
    JSON in, JSON out."""
    enrollment = _enrollment(enrollment_id)
    submission = service.get_or_create_draft(db.session, current_user, enrollment)
    form = forms.EvidenceForm()
    if not form.validate_on_submit():
        return jsonify(
            {
                "saved": False,
                "error": _(
                    "Your draft could not be saved. Please use the Save draft button."
                ),
            }
        ), 422
    with saving(show=False) as saved:
        service.save_text(
            db.session,
            current_user,
            submission,
            context=form.context.data or "",
            reflection=form.reflection.data or "",
        )
        # Only a client that sends the checkbox's state (autosave.js marks it) may
        # change the choice: an absent checkbox would otherwise read as "no".
        if "share_evidence_sent" in request.form:
            service.set_share_in_badge(
                db.session,
                current_user,
                submission,
                bool(form.share_evidence_in_badge.data),
            )
    if (error := saved.error) is not None:
        return jsonify(
            {"saved": False, "error": error.message, "field": error.field}
        ), 422
    saved_at = submission.draft_saved_at
    return jsonify(
        {
            "saved": True,
            # For people: a clock time in their zone with its abbreviation.
            "saved_at": format_time(saved_at, viewer_zone()),
            "words": {
                "context": service.word_count(submission.context_text),
                "reflection": service.word_count(submission.reflection_text),
            },
        }
    )


@bp.get("/files/<int:artifact_id>")
@login_required
def download(artifact_id: int) -> Any:
    """The one address of an evidence file, for everyone who may see the evidence
    (the teacher, a coach who serves them, their district's and the platform's
    administrators); ``?inline=1`` shows a safe type in place."""
    artifact = db.session.get(Artifact, artifact_id)
    if artifact is None or not policies.can_download(
        db.session, current_user, artifact
    ):
        abort(404)
    try:
        content = read_artifact(artifact)
    except ArtifactUnreadable:
        abort(404)
    audit.record_view_of(
        db.session,
        AuditAction.EVIDENCE_DOWNLOAD,
        current_user,
        artifact.submission.enrollment.user,
        "artifact",
        artifact.id,
    )
    return file_response(
        artifact, content, inline=request.args.get("inline") is not None
    )

"""The public /verify page, and the district's bulk verification pages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user

from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.errors import DomainError, InvalidInput, size_limit_text
from pdhub.extensions import db, limiter
from pdhub.forms import saving, show_error
from pdhub.responses import attachment
from pdhub.trust import policies as trust_policies
from pdhub.trust import service as trust_service
from pdhub.verification import batches, forms, messages, service
from pdhub.verification.models import BatchStatus, Verdict
from pdhub.verification.policies import verify_rate_limit
from pdhub.verification.uploads import MAX_CREDENTIAL_UPLOAD, is_zip, read_upload

bp = Blueprint("verification", __name__)


@bp.context_processor
def _words() -> dict[str, Any]:
    # Numbers as the reader writes them; trust lists named in the reader's words.
    return {"format_number": format_number, "list_label": messages.list_label}


def _just_the_form() -> bool:
    # Opening the empty form costs nothing; a POST or a link with ?url= verifies.
    return request.method == "GET" and not request.args.get("url")


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(verify_rate_limit, exempt_when=_just_the_form)
def verify() -> Any:
    form = forms.VerifyForm()
    outcome = None
    linked = request.method == "GET" and bool(request.args.get("url", "").strip())
    if linked:
        # The QR code of a certificate and the "Check this credential" button of a
        # badge's page link here with ?url=: verify that address at once.
        form.url.data = request.args.get("url", "").strip()[:2048]
        form.given = "url"
    if linked or form.validate_on_submit():
        try:
            outcome = _verify_form(form)
        except DomainError as error:
            show_error(form, error)
            outcome = None
        if outcome is not None and not outcome.readable:
            field = {"file": "file", "url": "url"}.get(form.given, "credential")
            show_error(
                form,
                InvalidInput(
                    _(
                        "This isn't a credential we can read: %(detail)s",
                        detail=outcome.check_text(outcome.report.check("structure")),
                    ),
                    field=field,
                ),
            )
            outcome = None
    # A link followed (?url=) is a page like any other, even when what it names can't
    # be verified: the page says why and what to do. A form sent with bad input: 422.
    failed = bool(form.errors or form.form_errors)
    status = 422 if failed and not linked else 200
    return render_template(
        "verification/verify.html",
        form=form,
        outcome=outcome,
        keeps_list=current_user.is_authenticated
        and trust_policies.can_manage_district_list(current_user),
        keeps_platform_list=current_user.is_authenticated
        and trust_policies.can_manage_platform_list(current_user),
    ), status


def _verify_form(form: forms.VerifyForm) -> service.Outcome:
    # A district administrator's own list counts too; anyone else, the platform's.
    trust = trust_service.trust_list_for(db.session, current_user)
    # The expected email is read here, used for the check, and dropped with the
    # request: it is never stored or logged.
    email = service.check_email_input(form.email.data)
    if form.given == "url":
        return service.verify(
            service.fetch_credential(form.url.data), trust=trust, email=email
        )
    if form.given == "file":
        data = form.file.data.read(MAX_CREDENTIAL_UPLOAD + 1)
        if len(data) > MAX_CREDENTIAL_UPLOAD:
            raise InvalidInput(
                _(
                    "The file is larger than %(limit)s.",
                    limit=size_limit_text(MAX_CREDENTIAL_UPLOAD),
                ),
                field="file",
            )
        return service.verify(data, trust=trust, email=email)
    return service.verify(form.credential.data.strip(), trust=trust, email=email)


# --- bulk verification (district administrators) ------------------------------------


@bp.route("/district/verify", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def batches_page() -> Any:
    form = forms.BatchForm()
    if form.validate_on_submit():
        upload = form.file.data
        with saving(form) as saved:
            data = upload.read()
            limit = current_app.config["PDHUB_VERIFY_BATCH_MAX"]
            items = read_upload(upload.filename or "", data, limit)
            source = "zip" if is_zip(upload.filename or "", data) else "csv"
            batch = batches.start_batch(
                db.session, current_user, items, source=source, filename=upload.filename
            )
        if saved.ok:
            return redirect(url_for("verification.batch_page", batch_id=batch.id), 303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "verification/batches.html",
        form=form,
        batches=batches.district_batches(db.session, current_user),
    ), status


@bp.get("/district/verify/<int:batch_id>")
@roles_required(Role.DISTRICT_ADMIN)
def batch_page(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    progress = batches.progress(db.session, batch)
    rows: list[dict[str, Any]] = []
    counts: list[tuple[Verdict, int]] = []
    if batch.status is BatchStatus.DONE:
        rows = batches.batch_results(db.session, batch, limit=100)
        for row in rows:
            row["reasons_text"] = batches.row_reasons(row)
        counts = batches.verdict_counts(db.session, batch)
    return render_template(
        "verification/batch.html",
        batch=batch,
        progress=progress,
        rows=rows,
        counts=counts,
        Verdict=Verdict,
    )


@bp.get("/district/verify/<int:batch_id>/progress")
@roles_required(Role.DISTRICT_ADMIN)
def batch_progress(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    return jsonify(batches.progress(db.session, batch).to_json())


@bp.get("/district/verify/<int:batch_id>/results.csv")
@roles_required(Role.DISTRICT_ADMIN)
def batch_csv(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    return attachment(*batches.csv_file(db.session, batch))


@bp.get("/district/verify/<int:batch_id>/report.json")
@roles_required(Role.DISTRICT_ADMIN)
def batch_report(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    return attachment(*batches.report_file(batch, "json"))


@bp.get("/district/verify/<int:batch_id>/report.jws")
@roles_required(Role.DISTRICT_ADMIN)
def batch_signature(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    return attachment(*batches.report_file(batch, "jws"))


def init_app(app: Flask) -> None:
    """Let a district's batch upload exceed the general upload limit.

    The CSRF check reads the form in an app-wide before_request hook, so the larger
    limit must be set before it runs: this hook goes first.
    """

    def raise_batch_upload_limit() -> None:
        if request.endpoint == "verification.batches_page" and request.method == "POST":
            request.max_content_length = (
                int(app.config["PDHUB_VERIFY_BATCH_MAX_MB"]) * 1024 * 1024
            )

    app.before_request_funcs.setdefault(None, []).insert(0, raise_batch_upload_limit)

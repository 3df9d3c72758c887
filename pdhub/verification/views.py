"""The public /verify page, and the district's bulk verification pages."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from pdhub import exports
from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.errors import Conflict, DomainError, InvalidInput, size_limit_text
from pdhub.extensions import db, limiter
from pdhub.forms import show_error
from pdhub.trust import policies as trust_policies
from pdhub.trust import service as trust_service
from pdhub.verification import batches, forms, service
from pdhub.verification.models import BatchStatus, Verdict
from pdhub.verification.uploads import is_zip, read_upload

bp = Blueprint("verification", __name__)

#: A credential file uploaded on /verify may be this large (baked images included).
MAX_CREDENTIAL_UPLOAD = 16 * 1024 * 1024 + 64 * 1024


def verify_rate_limit() -> str:
    return str(current_app.config["PDHUB_VERIFY_RATE_LIMIT"])


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
                    "This isn't a credential we can read: "
                    + outcome.report.check("structure").detail,
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
                f"The file is larger than {size_limit_text(MAX_CREDENTIAL_UPLOAD)}.",
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
        try:
            data = upload.read()
            limit = current_app.config["PDHUB_VERIFY_BATCH_MAX"]
            items = read_upload(upload.filename or "", data, limit)
            source = "zip" if is_zip(upload.filename or "", data) else "csv"
            batch = batches.start_batch(
                db.session, current_user, items, source=source, filename=upload.filename
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
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
    return csv_response(batches.batch_csv(db.session, batch), batch.id)


@bp.get("/district/verify/<int:batch_id>/report.json")
@roles_required(Role.DISTRICT_ADMIN)
def batch_report(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    return report_response(
        batch.report, "application/json", f"verification-{batch.id}.json"
    )


@bp.get("/district/verify/<int:batch_id>/report.jws")
@roles_required(Role.DISTRICT_ADMIN)
def batch_signature(batch_id: int) -> Any:
    batch = batches.batch_for(db.session, current_user, batch_id)
    return report_response(
        batch.report_signature, "application/jose", f"verification-{batch.id}.json.jws"
    )


def csv_response(text: str, batch_id: int) -> Response:
    return exports.csv_response(text, f"verification-{batch_id}.csv")


def report_response(body: str | None, mimetype: str, filename: str) -> Response:
    if body is None:
        # The request is fine; the batch is not there yet: 409, not 422.
        raise Conflict("The report is ready once every credential is checked.")
    response = Response(body.encode("utf-8"), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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

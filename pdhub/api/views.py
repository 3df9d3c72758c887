"""The JSON API under /api/v1: public verification, batch verification for districts
(bearer tokens only), and the OpenAPI document. Errors are RFC 9457 problem
documents."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from badges.errors import BadgeError
from badges.limits import parse_json_text
from pdhub.accounts import scopes
from pdhub.accounts import service as accounts
from pdhub.accounts.models import ApiToken, User
from pdhub.api.openapi import openapi_document
from pdhub.db import utcnow
from pdhub.errors import DomainError, InvalidInput, PermissionDenied, error_response
from pdhub.extensions import csrf, db, limiter
from pdhub.responses import attachment
from pdhub.trust import service as trust_service
from pdhub.trust.service import TrustList
from pdhub.verification import batches, policies, service
from pdhub.verification.models import BatchStatus
from pdhub.verification.policies import verify_rate_limit
from pdhub.verification.uploads import (
    MAX_CREDENTIAL_UPLOAD,
    is_zip,
    read_api_items,
    read_upload,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates with bearer tokens, never cookies, so a cross-site form
# cannot act for anyone: CSRF tokens do not apply here.
csrf.exempt(bp)

#: A pasted credential (JSON or JWT) may be this large; badges refuses more anyway.
MAX_JSON_BODY = 1024 * 1024


class Unauthorized(DomainError):
    status = 401
    title = "Please sign in"


@bp.errorhandler(Unauthorized)
def _unauthorized(error: Unauthorized) -> Response:
    response = error_response(401, error.message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="PD Hub API"'
    return response


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(current_app))


@bp.post("/verify")
@limiter.limit(verify_rate_limit)
def verify() -> Any:
    """Verify one credential: a JSON object, {"jwt": ...} or {"credential": ...}
    (either with "email"), or a file upload (with an email field).

    The issuer is judged against the platform's trust list and this deployment's
    own identifiers, and with a district administrator's token, the district's list.
    """
    trust = _verifier_trust()
    db.session.commit()  # the token's last use, if one was sent
    data, email = _credential_input()
    outcome = service.verify(data, trust=trust, email=email)
    body = outcome.to_json()
    if not outcome.readable:
        return error_response(
            422,
            _(
                "This is not a credential that can be read: %(detail)s",
                detail=outcome.check_text(outcome.report.check("structure")),
            ),
            **body,
        )
    return jsonify(body)


def _verifier_trust() -> TrustList:
    if not request.headers.get("Authorization"):
        return trust_service.trust_list(db.session, None)
    return trust_service.trust_list_for(db.session, _token(bulk=False).user)


def _credential_input() -> tuple[Any, str | None]:
    """The credential to verify and the email address expected, if any (never kept)."""
    if request.mimetype == "multipart/form-data":
        request.max_content_length = MAX_CREDENTIAL_UPLOAD
        files = request.files.getlist("file")
        if len(files) != 1 or len(request.files) != 1:
            raise InvalidInput(
                _("Upload exactly one file, in the field named file."), field="file"
            )
        email = service.check_email_input(request.form.get("email"))
        return files[0].read(), email
    request.max_content_length = MAX_JSON_BODY
    if request.mimetype not in {
        "application/json",
        "application/ld+json",
        "application/vc+ld+json",
    }:
        raise UnsupportedMediaType(
            _(
                "Send the credential as application/json, or a file as "
                "multipart/form-data."
            )
        )
    body = _parse_json(request.get_data(cache=False))
    if not isinstance(body, dict):
        raise InvalidInput(
            _('The body must be a JSON object: a credential, or {"jwt": "..."}.')
        )
    if "jwt" in body and set(body) <= {"jwt", "email"}:
        if not isinstance(body["jwt"], str):
            raise InvalidInput(_("jwt must be a string holding a VC-JWT."), field="jwt")
        return body["jwt"], service.check_email_input(body.get("email"))
    if "credential" in body and set(body) <= {"credential", "email"}:
        if not isinstance(body["credential"], dict | str):
            raise InvalidInput(
                _("credential must be a credential object or a VC-JWT."),
                field="credential",
            )
        return body["credential"], service.check_email_input(body.get("email"))
    return body, None


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


def _parse_json(raw: bytes) -> Any:
    try:
        return parse_json_text(raw)
    except (BadgeError, ValueError, TypeError, RecursionError) as error:
        raise BadRequestBody(
            _("The body is not valid JSON: %(error)s", error=str(error)[:200])
        ) from None


class BadRequestBody(DomainError):
    status = 400
    title = "Bad request"


# --- batch verification ---------------------------------------------------------------


def _token(*, bulk: bool = True, scope: str | None = None) -> ApiToken:
    """The API token authorizing this request (with ``bulk``, a district
    administrator's holding verify:batch; with ``scope``, one holding it).

    Only the Authorization header counts: a browser's session cookie never does here.
    An expired token is refused (401) like a revoked one, but says so.
    """
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("Send an API token: Authorization: Bearer <token>."))
    record = accounts.find_api_token(db.session, token.strip())
    if record is None:
        raise Unauthorized(_("That API token is not valid (revoked, or mistyped)."))
    if accounts.is_expired(record):
        raise Unauthorized(
            _("That API token has expired. Create a new one on your API tokens page.")
        )
    record.last_used_at = utcnow()
    if bulk and not policies.can_verify_in_bulk(record.user):
        raise PermissionDenied(
            _("Only a district administrator's token can verify in bulk.")
        )
    needed = scope or (scopes.VERIFY_BATCH if bulk else None)
    if needed is not None and needed not in record.scope_set:
        db.session.commit()  # the token's last use
        raise PermissionDenied(
            _(
                "This token may not do that: it needs the %(scope)s scope. Create a "
                "token with it on your API tokens page.",
                scope=needed,
            )
        )
    return record


def _token_user() -> User:
    return _token().user


@bp.post("/verify/batch")
def start_batch() -> Any:
    token = _token()
    user = token.user
    limit = int(current_app.config["PDHUB_VERIFY_BATCH_MAX"])
    request.max_content_length = (
        int(current_app.config["PDHUB_VERIFY_BATCH_MAX_MB"]) * 1024 * 1024
    )
    filename = None
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or len(request.files) != 1:
            raise InvalidInput(
                _("Upload one CSV or ZIP file in the field named file."), field="file"
            )
        filename = upload.filename
        data = upload.read()
        items = read_upload(upload.filename or "", data, limit)
        source = "zip" if is_zip(upload.filename or "", data) else "csv"
    elif request.mimetype == "application/json":
        try:
            body = orjson.loads(request.get_data(cache=False))
        except (ValueError, RecursionError):
            raise BadRequestBody(_("The body is not valid JSON.")) from None
        items = read_api_items(body, limit)
        source = "api"
    else:
        raise UnsupportedMediaType(
            _(
                'Send {"urls": [...]} or {"credentials": [...]} as application/json, '
                "or a CSV or ZIP file as multipart/form-data."
            )
        )
    batch = batches.start_batch(
        db.session,
        user,
        items,
        source=source,
        filename=filename,
        api_token_id=token.id,
    )
    db.session.commit()
    response = jsonify(_batch_json(batch))
    response.status_code = 202
    response.headers["Location"] = url_for("api.batch", batch_id=batch.id)
    return response


@bp.get("/verify/batch/<int:batch_id>")
def batch(batch_id: int) -> Any:
    user = _token_user()
    found = batches.batch_for(db.session, user, batch_id)
    body = _batch_json(found)
    if found.status is BatchStatus.DONE:
        body["results"] = batches.batch_results(db.session, found)
    db.session.commit()  # the token's last use
    # Up to 10,000 results with their checks (~10 MB): orjson, not the default
    # provider's sorted json.dumps.
    return Response(orjson.dumps(body), mimetype="application/json")


@bp.get("/verify/batch/<int:batch_id>/results.csv")
def batch_csv(batch_id: int) -> Any:
    found = batches.batch_for(db.session, _token_user(), batch_id)
    download = batches.csv_file(db.session, found)
    db.session.commit()
    return attachment(*download)


@bp.get("/verify/batch/<int:batch_id>/report.json")
def batch_report(batch_id: int) -> Any:
    found = batches.batch_for(db.session, _token_user(), batch_id)
    db.session.commit()
    return attachment(*batches.report_file(found, "json"))


@bp.get("/verify/batch/<int:batch_id>/report.jws")
def batch_signature(batch_id: int) -> Any:
    found = batches.batch_for(db.session, _token_user(), batch_id)
    db.session.commit()
    return attachment(*batches.report_file(found, "jws"))


def _batch_json(found: Any) -> dict[str, Any]:
    progress = batches.progress(db.session, found)
    done = found.status is BatchStatus.DONE
    body: dict[str, Any] = {
        "id": found.id,
        "status": found.status.value,
        "total": found.total,
        "checked": progress.checked,
        "percent": progress.percent,
        "verified": found.verified_count if done else None,
        "created": found.created_at.isoformat(timespec="seconds"),
        "finished": found.finished_at.isoformat(timespec="seconds")
        if found.finished_at
        else None,
        "links": {"self": url_for("api.batch", batch_id=found.id)},
    }
    if done:
        body["links"].update(
            csv=url_for("api.batch_csv", batch_id=found.id),
            report=url_for("api.batch_report", batch_id=found.id),
            reportSignature=url_for("api.batch_signature", batch_id=found.id),
        )
    return body

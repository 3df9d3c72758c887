"""The OB 3.0 API's addresses: discovery, registration, the teacher's consent page,
token and revocation endpoints, getCredentials and getProfile."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SubmitField

from pdhub.backpack import service as backpack
from pdhub.credentials import keys
from pdhub.credentials.models import IssuedCredential
from pdhub.extensions import csrf, db
from pdhub.forms import saving
from pdhub.obapi import server
from pdhub.obapi.models import OAuthClient
from pdhub.obapi.scopes import SCOPE_TEXTS

bp = Blueprint("obapi", __name__, url_prefix="/ims/ob/v3p0")

MAX_LIMIT = 100


class ConsentForm(FlaskForm):
    allow = SubmitField(_l("Allow"))
    deny = SubmitField(_l("Deny"))


def _base() -> str:
    return keys.base_url() + "/ims/ob/v3p0"


@bp.get("/discovery")
def discovery() -> Any:
    """OB 3.0 §6.1: the service description document (OpenAPI 3.0 with the
    registration URL and OAuth 2.0 flows in its security scheme)."""
    base = _base()
    scopes = {
        server.CREDENTIAL_READONLY: "Permission to read AchievementCredentials for "
        "the authenticated entity.",
        server.CREDENTIAL_UPSERT: "Permission to create or update "
        "AchievementCredentials for the authenticated entity.",
        server.PROFILE_READONLY: "Permission to read the profile for the "
        "authenticated entity.",
        server.PROFILE_UPDATE: "Permission to update the profile for the "
        "authenticated entity.",
    }
    bearer = [{"OAuth2ACG": [server.CREDENTIAL_READONLY]}]
    document = {
        "openapi": "3.0.1",
        "info": {
            "title": "PD Hub Open Badges API",
            "version": "3.0",
            "description": "Open Badges 3.0 API of PD Hub: a teacher's badges and "
            "profile, for systems the teacher connects.",
            "termsOfService": keys.base_url() + "/privacy",
            "x-imssf-image": keys.base_url() + "/favicon.ico",
            "x-imssf-privacyPolicyUrl": keys.base_url() + "/privacy",
        },
        "servers": [{"url": base, "description": "PD Hub"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Profile"}],
        "paths": {
            "/credentials": {
                "get": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "getCredentials",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "since",
                            "in": "query",
                            "schema": {"type": "string", "format": "date-time"},
                        },
                    ],
                    "security": bearer,
                    "responses": {"200": {"description": "The credentials."}},
                },
                "post": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "upsertCredential",
                    "security": [{"OAuth2ACG": [server.CREDENTIAL_UPSERT]}],
                    "responses": {
                        "200": {"description": "The credential was replaced."},
                        "201": {"description": "The credential was added."},
                        "400": {"description": "The credential was not accepted."},
                    },
                },
            },
            "/profile": {
                "get": {
                    "tags": ["Profile"],
                    "operationId": "getProfile",
                    "security": [{"OAuth2ACG": [server.PROFILE_READONLY]}],
                    "responses": {"200": {"description": "The profile."}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant authorization",
                    "x-imssf-name": "PD Hub",
                    "x-imssf-registrationUrl": base + "/register",
                    "flows": {
                        "authorizationCode": {
                            "tokenUrl": base + "/token",
                            "authorizationUrl": base + "/authorize",
                            "refreshUrl": base + "/token",
                            "x-imssf-revocationUrl": base + "/revoke",
                            "scopes": scopes,
                        }
                    },
                }
            }
        },
    }
    response = jsonify(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.post("/register")
@csrf.exempt
def register() -> Any:
    return server.authorization.create_endpoint_response("client_registration")


@bp.route("/authorize", methods=["GET", "POST"])
@login_required
def authorize() -> Any:
    """The teacher's consent: which system asks, for what; Allow or Deny."""
    try:
        grant = server.authorization.get_consent_grant(end_user=current_user)
    except OAuth2Error as error:
        if getattr(error, "redirect_uri", None):
            # The client and its address are known: the error goes back to it.
            return server.authorization.handle_error_response(None, error)
        return render_template(
            "obapi/error.html", error=error.error, description=error.description
        ), 400
    client: OAuthClient = grant.client
    requested = (grant.request.payload.scope or "").split()
    if not requested or set(requested) - set(client.scope.split()):
        # A scope the client did not register for is refused, not silently dropped.
        return server.authorization.handle_error_response(
            grant.request,
            InvalidScopeError(
                state=grant.request.payload.state, redirect_uri=grant.redirect_uri
            ),
        )
    form = ConsentForm()
    if request.method == "POST" and form.validate_on_submit():
        user = current_user._get_current_object() if form.allow.data else None
        response = server.authorization.create_authorization_response(
            grant=grant, grant_user=user
        )
        return response
    return render_template(
        "obapi/consent.html",
        client=client,
        scopes=[SCOPE_TEXTS[s] for s in requested if s in SCOPE_TEXTS],
        form=form,
    )


@bp.post("/token")
@csrf.exempt
def token() -> Any:
    return server.authorization.create_token_response()


@bp.post("/revoke")
@csrf.exempt
def revoke() -> Any:
    return server.authorization.create_endpoint_response("revocation")


def _paging(total: int, limit: int, offset: int) -> dict[str, str]:
    links = []
    address = _base() + "/credentials?"

    def link(rel: str, at: int) -> None:
        links.append(
            f'<{address}{urlencode({"limit": limit, "offset": at})}>; rel="{rel}"'
        )

    if offset + limit < total:
        link("next", offset + limit)
        link("last", max(total - 1, 0) // limit * limit)
    link("first", 0)
    if offset > 0:
        link("prev", max(offset - limit, 0))
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


def _number(name: str, default: int, minimum: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= minimum else None


def _bad_request(description: str) -> Response:
    response = jsonify(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_codeMinor": {
                "imsx_codeMinorField": [
                    {
                        "imsx_codeMinorFieldName": "TargetEndSystem",
                        "imsx_codeMinorFieldValue": "invalid_selection_field",
                    }
                ]
            },
        }
    )
    response.status_code = 400
    return response


@bp.get("/credentials")
@server.require_oauth(server.CREDENTIAL_READONLY)
def get_credentials() -> Any:
    """getCredentials: the teacher's current credentials, newest first, paged by
    ``limit`` and ``offset`` with X-Total-Count and Link headers."""
    limit = _number("limit", MAX_LIMIT, 1)
    offset = _number("offset", 0, 0)
    if limit is None or offset is None:
        return _bad_request("limit must be a positive integer and offset not negative")
    limit = min(limit, MAX_LIMIT)
    user_id = current_token.user_id
    mine = (
        IssuedCredential.user_id == user_id,
        IssuedCredential.replaced_by_id.is_(None),
    )
    total = (
        db.session.scalar(
            select(func.count()).select_from(IssuedCredential).where(*mine)
        )
        or 0
    )
    rows = db.session.scalars(
        select(IssuedCredential.credential_json)
        .where(*mine)
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
        .limit(limit)
        .offset(offset)
    ).all()

    response = jsonify(
        {"credential": [json.loads(text) for text in rows], "compactJwsString": []}
    )
    response.headers.update(_paging(int(total), limit, offset))
    return response


#: An upserted credential's body may be this long (a credential, not a file store).
MAX_UPSERT = 512 * 1024


@bp.post("/credentials")
@csrf.exempt
@server.require_oauth(server.CREDENTIAL_UPSERT)
def upsert_credential() -> Any:
    """upsertCredential: add a badge from another issuer to the teacher's records
    (JSON, or a compact JWS as text/plain), or replace the same one (by its id).
    201 when it is new, 200 when it replaced one; 400 with the reason when our
    verifier does not accept it (not genuine, not in good standing, or not issued to
    the teacher's email address)."""
    if (request.content_length or 0) > MAX_UPSERT:
        return _bad_request("the credential is larger than 512 KB")
    raw = request.get_data(cache=False, as_text=True)
    is_jws = (request.mimetype or "") == "text/plain"
    if not is_jws and request.mimetype != "application/json":
        return _bad_request(
            "send the credential as application/json, or a compact JWS as text/plain"
        )
    if not is_jws:
        try:
            data: Any = json.loads(raw)
        except ValueError:
            return _bad_request("the body is not JSON")
        if not isinstance(data, dict):
            return _bad_request("the body is not a credential (a JSON object)")
    else:
        data = raw.strip()
    user = current_token.user
    # The API speaks English (its reasons are for the client's developers).
    with force_locale("en"), saving(show=False) as saved:
        added = backpack.add(db.session, user, data, via="api")
    if saved.error is not None:
        return _bad_request(str(saved.error.message))
    response = Response(data, mimetype="text/plain") if is_jws else jsonify(data)
    response.status_code = 201 if added.created else 200
    return response


@bp.get("/profile")
@server.require_oauth(server.PROFILE_READONLY)
def get_profile() -> Any:
    """getProfile: the teacher's OB 3.0 Profile."""
    user = current_token.user
    return jsonify(
        {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"{keys.base_url()}/ims/ob/v3p0/profile/{user.id}",
            "type": ["Profile"],
            "name": user.name,
            "email": user.email,
        }
    )


def consent_url() -> str:
    return url_for("obapi.authorize")

"""LTI 1.3 for PD Hub: registrations, the OIDC login and launch checks, deep
linking, grades (AGS) and course staff (NRPS).

Services take a DbSession and never commit. A launch that fails any check raises
LaunchError with a sentence for the person (the view answers 400 with it).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import current_app
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select

from pdhub import jobs, tasks
from pdhub.accounts import passwords
from pdhub.accounts.models import Role, User
from pdhub.accounts.service import normalize_email
from pdhub.db import DbSession, utcnow
from pdhub.errors import DomainError, InvalidInput, NotFound
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.lti import http
from pdhub.lti.keys import signing_key
from pdhub.lti.models import (
    LtiContext,
    LtiDeepLink,
    LtiGradeLink,
    LtiLoginState,
    LtiRegistration,
)
from pdhub.verification.fetcher import _origin, parse_allowed_hosts

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
#: How long a login may take between initiation and launch.
STATE_MINUTES = 10
#: Clock difference allowed with the platform.
LEEWAY_SECONDS = 60


class LaunchError(DomainError):
    """A login or launch PD Hub refuses; the message is for the person (400)."""

    status = 400


# --- registrations --------------------------------------------------------------


def registrations(session: DbSession, district_id: int) -> list[LtiRegistration]:
    return list(
        session.scalars(
            select(LtiRegistration)
            .where(LtiRegistration.district_id == district_id)
            .order_by(LtiRegistration.name, LtiRegistration.id)
        )
    )


def registration_for(
    session: DbSession, actor: User, registration_id: int
) -> LtiRegistration:
    """The actor's district's registration; NotFound for any other."""
    registration = session.get(LtiRegistration, registration_id)
    if registration is None or registration.district_id != actor.district_id:
        raise NotFound(_("There is no platform at this address."))
    return registration


def _https(url: str, field: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    allowed = parse_allowed_hosts(
        str(current_app.config.get("PDHUB_LTI_ALLOWED_HOSTS", ""))
    )
    origin = _origin(url)
    if not parts.hostname or (parts.scheme != "https" and origin not in allowed):
        raise InvalidInput(
            _("Enter a full address starting with https://."), field=field
        )
    return url


@dataclass(frozen=True)
class RegistrationFields:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    deployment_ids: str


def save_registration(
    session: DbSession,
    actor: User,
    fields: RegistrationFields,
    registration: LtiRegistration | None = None,
) -> LtiRegistration:
    """Add a platform to the actor's district, or change ``registration``."""
    assert actor.district_id is not None
    name = " ".join(fields.name.split())
    if not name:
        raise InvalidInput(_("Enter a name for this platform."), field="name")
    issuer = fields.issuer.strip()
    client_id = fields.client_id.strip()
    if not issuer:
        raise InvalidInput(_("Enter the platform's issuer."), field="issuer")
    if not client_id:
        raise InvalidInput(_("Enter the client id."), field="client_id")
    deployments = [line.strip() for line in fields.deployment_ids.splitlines()]
    deployments = [line for line in deployments if line]
    if not deployments:
        raise InvalidInput(
            _("Enter at least one deployment id, one a line."), field="deployment_ids"
        )
    taken = session.scalar(
        select(LtiRegistration.id).where(
            LtiRegistration.issuer == issuer, LtiRegistration.client_id == client_id
        )
    )
    if taken is not None and (registration is None or taken != registration.id):
        raise InvalidInput(
            _("This issuer and client id are already registered."), field="client_id"
        )
    values = {
        "name": name,
        "issuer": issuer,
        "client_id": client_id,
        "auth_login_url": _https(fields.auth_login_url, "auth_login_url"),
        "auth_token_url": _https(fields.auth_token_url, "auth_token_url"),
        "jwks_url": _https(fields.jwks_url, "jwks_url"),
        "deployment_ids": "\n".join(dict.fromkeys(deployments)),
    }
    if registration is None:
        registration = LtiRegistration(district_id=actor.district_id, **values)
        session.add(registration)
    else:
        for key, value in values.items():
            setattr(registration, key, value)
    session.flush()
    return registration


def remove_registration(session: DbSession, registration: LtiRegistration) -> None:
    session.delete(registration)
    session.flush()


def contexts(session: DbSession, registration: LtiRegistration) -> list[LtiContext]:
    return list(
        session.scalars(
            select(LtiContext)
            .where(LtiContext.registration_id == registration.id)
            .order_by(LtiContext.last_launch_at.desc())
        )
    )


def context_for(session: DbSession, actor: User, context_id: int) -> LtiContext:
    context = session.get(LtiContext, context_id)
    if context is not None:
        registration = session.get(LtiRegistration, context.registration_id)
        if registration is not None and registration.district_id == actor.district_id:
            return context
    raise NotFound(_("There is no course at this address."))


# --- login and launch ---------------------------------------------------------------


def _base() -> str:
    return str(current_app.config["PDHUB_BASE_URL"]).rstrip("/")


def launch_url() -> str:
    return _base() + "/lti/launch"


def begin_login(session: DbSession, params: dict[str, str]) -> str:
    """Check a third-party login initiation; return the platform's auth address."""
    issuer = params.get("iss", "").strip()
    login_hint = params.get("login_hint", "")
    if not issuer or not login_hint:
        raise LaunchError(
            _("This link from your learning platform is missing its details.")
        )
    query = select(LtiRegistration).where(LtiRegistration.issuer == issuer)
    client_id = params.get("client_id", "").strip()
    if client_id:
        query = query.where(LtiRegistration.client_id == client_id)
    found = list(session.scalars(query.limit(2)))
    if len(found) != 1:
        raise LaunchError(
            _("PD Hub is not set up for this learning platform. Ask your district.")
        )
    registration = found[0]
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in registration.deployments:
        raise LaunchError(
            _("PD Hub is not set up for this learning platform. Ask your district.")
        )
    # Old states and picker requests are of no use to anyone: clear them as we go.
    stale = utcnow() - timedelta(days=1)
    session.execute(delete(LtiLoginState).where(LtiLoginState.created_at < stale))
    session.execute(delete(LtiDeepLink).where(LtiDeepLink.created_at < stale))
    state = LtiLoginState(
        registration_id=registration.id,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
    )
    session.add(state)
    session.flush()
    query_params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": launch_url(),
        "login_hint": login_hint,
        "state": state.state,
        "nonce": state.nonce,
    }
    if params.get("lti_message_hint"):
        query_params["lti_message_hint"] = params["lti_message_hint"]
    parts = urlsplit(registration.auth_login_url)
    joined = "&".join(p for p in (parts.query, urlencode(query_params)) if p)
    return urlunsplit(parts._replace(query=joined))


@dataclass
class Launch:
    registration: LtiRegistration
    claims: dict[str, Any]

    @property
    def message_type(self) -> str:
        return str(self.claims.get(CLAIM + "message_type", ""))

    @property
    def deployment_id(self) -> str:
        return str(self.claims.get(CLAIM + "deployment_id", ""))


def _platform_keys(registration: LtiRegistration) -> KeySet:
    try:
        return KeySet.import_key_set(http.get_json(registration.jwks_url))
    except (http.PlatformError, JoseError, ValueError, TypeError, KeyError):
        raise LaunchError(
            _("PD Hub could not check this launch with your learning platform.")
        ) from None


def verify_launch(session: DbSession, id_token: str, state_value: str) -> Launch:
    """Check the id_token of a launch against its login state and platform."""
    refused = _("This launch could not be checked. Open PD Hub again from your course.")
    state = session.scalar(
        select(LtiLoginState)
        .where(LtiLoginState.state == state_value)
        .with_for_update()
    )
    if (
        state is None
        or state.used_at is not None
        or state.created_at < utcnow() - timedelta(minutes=STATE_MINUTES)
    ):
        raise LaunchError(
            _(
                "This launch has expired or was already used. Open PD Hub again from "
                "your course."
            )
        )
    state.used_at = utcnow()  # single use
    session.flush()
    registration = session.get(LtiRegistration, state.registration_id)
    if registration is None or not id_token:
        raise LaunchError(refused)
    keys = _platform_keys(registration)
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256"])
    except (JoseError, ValueError, TypeError, KeyError):
        raise LaunchError(refused) from None
    claims = dict(token.claims)
    now = time.time()
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    checks = [
        claims.get("iss") == registration.issuer,
        registration.client_id in audiences,
        len(audiences) == 1 or claims.get("azp") == registration.client_id,
        isinstance(claims.get("exp"), int | float)
        and claims["exp"] + LEEWAY_SECONDS > now,
        isinstance(claims.get("iat"), int | float)
        and claims["iat"] - LEEWAY_SECONDS < now,
        claims.get("nonce") == state.nonce,
        claims.get(CLAIM + "version") == "1.3.0",
        bool(claims.get("sub")),
    ]
    if not all(checks):
        raise LaunchError(refused)
    launch = Launch(registration, claims)
    if launch.deployment_id not in registration.deployments:
        raise LaunchError(
            _(
                "This course's deployment of PD Hub is not registered. Ask your "
                "district to add its deployment id."
            )
        )
    if launch.message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise LaunchError(_("PD Hub does not handle this kind of launch."))
    return launch


def _module_slug(launch: Launch) -> str | None:
    custom = launch.claims.get(CLAIM + "custom")
    if isinstance(custom, dict) and isinstance(custom.get("module"), str):
        return str(custom["module"]).strip() or None
    target = str(launch.claims.get(CLAIM + "target_link_uri", ""))
    path = urlsplit(target).path.rstrip("/").split("/")
    if len(path) >= 2 and path[-2] == "modules" and path[-1]:
        return path[-1]
    return None


def _teacher(session: DbSession, launch: Launch) -> User:
    """The launching person as a teacher of the registration's district."""
    raw = launch.claims.get("email")
    try:
        address = normalize_email(str(raw or ""))
    except InvalidInput:
        raise LaunchError(
            _(
                "Your learning platform did not share your email address, which PD Hub "
                "needs to find your account. Ask your district."
            )
        ) from None
    user: User | None = session.scalar(select(User).where(User.email == address))
    if user is None:
        return _new_teacher(session, launch.registration, address, launch.claims)
    if (
        user.district_id != launch.registration.district_id
        or not user.active
        or user.erased_at is not None
    ):
        raise LaunchError(
            _(
                "Your PD Hub account belongs to another district. Sign in to PD Hub "
                "directly."
            )
        )
    if user.role is not Role.TEACHER:
        raise LaunchError(
            _("Staff accounts sign in to PD Hub directly, with two-factor sign-in.")
        )
    return user


def _new_teacher(
    session: DbSession,
    registration: LtiRegistration,
    address: str,
    claims: dict[str, Any],
) -> User:
    name = " ".join(str(claims.get("name") or "").split())
    if not name:
        parts = (claims.get("given_name"), claims.get("family_name"))
        name = " ".join(str(p) for p in parts if p) or address.split("@", 1)[0]
    user = User(
        email=address,
        name=name[:120],
        # No password of their own yet: they come through the platform, or set one
        # with "forgot password".
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
        role=Role.TEACHER,
        district_id=registration.district_id,
        email_verified_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def _remember_context(session: DbSession, launch: Launch) -> None:
    context = launch.claims.get(CLAIM + "context")
    if not isinstance(context, dict) or not context.get("id"):
        return
    nrps = launch.claims.get(NRPS_CLAIM)
    memberships = (
        nrps.get("context_memberships_url") if isinstance(nrps, dict) else None
    )
    row = session.scalar(
        select(LtiContext).where(
            LtiContext.registration_id == launch.registration.id,
            LtiContext.context_id == str(context["id"])[:255],
        )
    )
    if row is None:
        row = LtiContext(
            registration_id=launch.registration.id, context_id=str(context["id"])[:255]
        )
        session.add(row)
    row.title = str(context.get("title") or context.get("label") or "")[:255]
    if isinstance(memberships, str) and memberships:
        row.memberships_url = memberships[:2048]
    row.last_launch_at = utcnow()
    session.flush()


def resource_link(session: DbSession, launch: Launch) -> tuple[User, Module]:
    """A resource-link launch: the teacher to sign in and the module to show."""
    slug = _module_slug(launch)
    module = (
        session.scalar(
            select(Module).where(Module.slug == slug, Module.is_current.is_(True))
        )
        if slug
        else None
    )
    if module is None:
        raise LaunchError(
            _(
                "This link does not name a PD Hub module. Ask your course's instructor "
                "to choose the module again."
            )
        )
    user = _teacher(session, launch)
    _remember_context(session, launch)
    endpoint = launch.claims.get(AGS_CLAIM)
    lineitem = endpoint.get("lineitem") if isinstance(endpoint, dict) else None
    scopes = endpoint.get("scope", []) if isinstance(endpoint, dict) else []
    if isinstance(lineitem, str) and lineitem and SCORE_SCOPE in scopes:
        link = session.scalar(
            select(LtiGradeLink).where(
                LtiGradeLink.registration_id == launch.registration.id,
                LtiGradeLink.user_id == user.id,
                LtiGradeLink.lineitem_url == lineitem[:2048],
            )
        )
        if link is None:
            link = LtiGradeLink(
                registration_id=launch.registration.id,
                user_id=user.id,
                module_slug=module.slug,
                lineitem_url=lineitem[:2048],
                lti_user_id=str(launch.claims["sub"])[:255],
            )
            session.add(link)
            session.flush()
        if link.score_sent_at is None and _completed(session, user, module.slug):
            # Completed before this course linked to it: the gradebook hears now.
            jobs.enqueue(tasks.POST_LTI_SCORE, link.id)
    return user, module


def _completed(session: DbSession, user: User, slug: str) -> bool:
    return (
        session.scalar(
            select(Enrollment.id)
            .join(Module, Module.id == Enrollment.module_id)
            .where(
                Enrollment.user_id == user.id,
                Module.slug == slug,
                Enrollment.status == EnrollmentStatus.COMPLETED,
            )
            .limit(1)
        )
        is not None
    )


# --- deep linking ---------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_deep_link(session: DbSession, launch: Launch) -> str:
    """Record a deep-linking request; return the token the picker form carries."""
    _remember_context(session, launch)
    settings = launch.claims.get(DL_CLAIM + "deep_linking_settings")
    if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
        raise LaunchError(_("This request to choose content is missing its details."))
    accepts = settings.get("accept_types") or ["ltiResourceLink"]
    if "ltiResourceLink" not in accepts:
        raise LaunchError(
            _("Your learning platform does not accept PD Hub links here.")
        )
    token = secrets.token_urlsafe(32)
    data = settings.get("data")
    session.add(
        LtiDeepLink(
            registration_id=launch.registration.id,
            token_hash=_hash(token),
            deployment_id=launch.deployment_id,
            return_url=str(settings["deep_link_return_url"])[:2048],
            data=str(data) if data is not None else None,
        )
    )
    session.flush()
    return token


def deep_link_for(session: DbSession, token: str) -> LtiDeepLink:
    request = session.scalar(
        select(LtiDeepLink).where(LtiDeepLink.token_hash == _hash(token or ""))
    )
    if (
        request is None
        or request.used_at is not None
        or request.created_at < utcnow() - timedelta(hours=1)
    ):
        raise LaunchError(
            _("This choice has expired. Open the PD Hub picker again from your course.")
        )
    return request


def current_modules(session: DbSession) -> list[Module]:
    return list(
        session.scalars(
            select(Module).where(Module.is_current.is_(True)).order_by(Module.title)
        )
    )


def finish_deep_link(
    session: DbSession, request: LtiDeepLink, slugs: list[str]
) -> tuple[str, str]:
    """Sign the LtiDeepLinkingResponse for the chosen modules; return the platform's
    return address and the JWT."""
    registration = session.get(LtiRegistration, request.registration_id)
    if registration is None:
        raise LaunchError(_("This platform is no longer registered with PD Hub."))
    modules = [m for m in current_modules(session) if m.slug in set(slugs)]
    if not modules:
        raise InvalidInput(_("Choose at least one module."), field="modules")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": registration.client_id,
        "aud": registration.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": request.deployment_id,
        DL_CLAIM + "content_items": [
            {
                "type": "ltiResourceLink",
                "title": module.title,
                "url": launch_url(),
                "custom": {"module": module.slug},
            }
            for module in modules
        ],
    }
    if request.data is not None:
        claims[DL_CLAIM + "data"] = request.data
    kid, key = signing_key(session)
    request.used_at = utcnow()
    session.flush()
    return request.return_url, jwt.encode({"alg": "RS256", "kid": kid}, claims, key)


# --- services: tokens, grades, staff -------------------------------------------------


def access_token(session: DbSession, registration: LtiRegistration, scope: str) -> str:
    """An OAuth 2.0 client-credentials token, asked for with a JWT client assertion
    signed by the tool's key (LTI Security Framework)."""
    now = int(time.time())
    kid, key = signing_key(session)
    assertion = jwt.encode(
        {"alg": "RS256", "kid": kid},
        {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        },
        key,
    )
    body = urlencode(
        {
            "grant_type": "client_credentials",
            "client_assertion_type": (
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ),
            "client_assertion": assertion,
            "scope": scope,
        }
    ).encode()
    status, data = http.call(
        "POST",
        registration.auth_token_url,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    try:
        token = json.loads(data)["access_token"] if status == 200 else None
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str):
        raise http.PlatformError(f"the token endpoint answered {status}")
    return token


def _scores_url(lineitem: str) -> str:
    parts = urlsplit(lineitem)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def post_completion_score(session: DbSession, link_id: int) -> bool:
    """Post "completed, 1 of 1" to the grade link's line item, once. Raises
    PlatformError when the platform cannot take it (the job retries)."""
    link = session.get(LtiGradeLink, link_id)
    if link is None or link.score_sent_at is not None:
        return False
    registration = session.get(LtiRegistration, link.registration_id)
    if registration is None:
        return False
    token = access_token(session, registration, SCORE_SCOPE)
    score = {
        "userId": link.lti_user_id,
        "scoreGiven": 1,
        "scoreMaximum": 1,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": utcnow().isoformat(timespec="seconds"),
    }
    status, _body = http.call(
        "POST",
        _scores_url(link.lineitem_url),
        body=json.dumps(score).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/vnd.ims.lis.v1.score+json",
        },
    )
    if status not in (200, 201, 202, 204):
        raise http.PlatformError(f"the grade service answered {status}")
    link.score_sent_at = utcnow()
    session.flush()
    return True


@dataclass(frozen=True)
class StaffImport:
    added: int
    already: int


def import_staff(session: DbSession, context: LtiContext) -> StaffImport:
    """Bring the course's instructors in as teachers of the registration's district;
    an address that already has an account is never added again."""
    registration = session.get(LtiRegistration, context.registration_id)
    if registration is None or not context.memberships_url:
        raise InvalidInput(
            _("Your learning platform did not share this course's list of people.")
        )
    try:
        token = access_token(session, registration, NRPS_SCOPE)
        container = http.get_json(
            context.memberships_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            },
        )
    except http.PlatformError:
        raise InvalidInput(
            _("PD Hub could not reach your learning platform. Try again later.")
        ) from None
    members = container.get("members", []) if isinstance(container, dict) else []
    added = already = 0
    seen: set[str] = set()
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, dict) or member.get("status", "Active") != "Active":
            continue
        roles = member.get("roles") or []
        if not any(r in (INSTRUCTOR, "Instructor") for r in roles):
            continue
        try:
            address = normalize_email(str(member.get("email") or ""))
        except InvalidInput:
            continue
        if address in seen:
            continue
        seen.add(address)
        if session.scalar(select(User.id).where(User.email == address)) is not None:
            already += 1
            continue
        _new_teacher(session, registration, address, member)
        added += 1
    context.staff_imported_at = utcnow()
    session.flush()
    return StaffImport(added=added, already=already)

"""Demo data for ``pdhub demo``: the demo district has registered its (made-up)
Canvas, and one course has opened PD Hub from it, so Dana sees the LTI page in use."""

from __future__ import annotations

from sqlalchemy import select

from pdhub.db import DbSession
from pdhub.districts.models import District
from pdhub.lti.models import LtiContext, LtiRegistration

ISSUER = "https://canvas.riverside.example.org"
CLIENT_ID = "10000000000042"


def seed(session: DbSession, district: District) -> None:
    """Idempotent: does nothing once the demo registration exists."""
    if session.scalar(
        select(LtiRegistration.id).where(
            LtiRegistration.issuer == ISSUER, LtiRegistration.client_id == CLIENT_ID
        )
    ):
        return
    registration = LtiRegistration(
        district_id=district.id,
        name="Riverside Canvas",
        issuer=ISSUER,
        client_id=CLIENT_ID,
        auth_login_url=ISSUER + "/api/lti/authorize_redirect",
        auth_token_url=ISSUER + "/login/oauth2/token",
        jwks_url=ISSUER + "/api/lti/security/jwks",
        deployment_ids="42:8865aa05b4b79b64a91a86042e43af5ea8ae79eb",
    )
    session.add(registration)
    session.flush()
    session.add(
        LtiContext(
            registration_id=registration.id,
            context_id="course-1201",
            title="Riverside summer PD",
            memberships_url=ISSUER + "/api/lti/courses/1201/names_and_roles",
        )
    )
    session.flush()

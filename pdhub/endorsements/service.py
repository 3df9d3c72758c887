"""Endorsing a module's achievement for a district, withdrawing it, and finding the
endorsements an achievement or a credential page shows.

PD Hub holds no key of the district's: the platform's issuer key signs each
endorsement, and the issuer Profile names the district (its ``name``) with the
platform's DID as its ``id``, since a verifier requires the issuer to be the
controller of the signing key. The Profile's description says PD Hub signed on
the district's behalf (docs/architecture.md, "Endorsements").
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from badges.credential import StatusEntry
from badges.dates import format_date_time
from badges.documents import CREDENTIALS_V2, OB_V3P0_303, OB_V3P0_EXTENSIONS
from badges.errors import CredentialBuildError
from badges.proofs import sign_document
from badges.schema import ENDORSEMENT_CREDENTIAL_SCHEMA, schema_errors
from pdhub.accounts.models import Role, User
from pdhub.credentials import achievements, keys, status
from pdhub.credentials.models import StatusList, StatusPurpose
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.endorsements.models import Endorsement
from pdhub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from pdhub.learning.models import Module

ENDORSEMENT_CREDENTIAL_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_endorsementcredential_schema.json"
)
COMMENT_MAX = 500


def endorsement_url(endorsement_id: str) -> str:
    return f"{keys.base_url()}/endorsements/{endorsement_id}"


def _district_of(session: DbSession, user: User) -> District:
    if user.role is not Role.DISTRICT_ADMIN or user.district_id is None:
        raise PermissionDenied(_("Only a district administrator can do that."))
    district = session.get(District, user.district_id)
    if district is None:
        raise NotFound(_("That district does not exist."))
    return district


def endorsable_modules(session: DbSession) -> list[Module]:
    """The current version of every module, by title."""
    return list(
        session.scalars(
            select(Module).where(Module.is_current.is_(True)).order_by(Module.title)
        )
    )


def _issuer(district: District, issuer_id: str) -> dict[str, Any]:
    base = keys.base_url()
    return {
        "id": issuer_id,
        "type": ["Profile"],
        "name": district.name,
        "url": base,
        "description": (
            f"{district.name}, a school district on {keys.ISSUER_NAME}. "
            f"{keys.ISSUER_NAME} signs this endorsement on the district's behalf "
            "with its own issuer key, at the request of a district administrator."
        ),
    }


def build_document(
    district: District,
    module: Module,
    comment: str,
    endorsement_id: str,
    signer: keys.Signer,
    status_list: StatusList,
    index: int,
) -> dict[str, Any]:
    """The signed EndorsementCredential (checked against the official schema)."""
    now = utcnow().replace(microsecond=0)
    unsigned = {
        "@context": [CREDENTIALS_V2, OB_V3P0_303, OB_V3P0_EXTENSIONS],
        "id": f"urn:uuid:{endorsement_id}",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": f"{district.name} endorses {module.title}",
        "description": comment,
        "issuer": _issuer(district, signer.issuer_id),
        "validFrom": format_date_time(now),
        "credentialSubject": {
            "id": achievements.achievement_url(module),
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
        "credentialSchema": [
            {
                "id": ENDORSEMENT_CREDENTIAL_SCHEMA_URL,
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
        "credentialStatus": StatusEntry(
            status.list_url(status_list), index, status_list.purpose.value
        ).to_json(),
    }
    problems = schema_errors(unsigned, ENDORSEMENT_CREDENTIAL_SCHEMA)
    if problems:
        raise CredentialBuildError(
            "the endorsement would not validate: " + "; ".join(problems)
        )
    signed: dict[str, Any] = sign_document(
        unsigned, signer.pair, signer.verification_method, created=now
    )
    return signed


def active_for(
    session: DbSession, district_id: int, module_id: int
) -> Endorsement | None:
    return session.scalar(
        select(Endorsement).where(
            Endorsement.district_id == district_id,
            Endorsement.module_id == module_id,
            Endorsement.withdrawn_at.is_(None),
        )
    )


def endorse(
    session: DbSession, user: User, module_id: int, comment: str
) -> Endorsement:
    """Issue the district's endorsement of a module's achievement (one in force per
    district and module)."""
    district = _district_of(session, user)
    comment = " ".join(comment.split())
    if not comment:
        raise InvalidInput(_("Say what the endorsement means."), field="comment")
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(
            _("Keep the comment under %(count)d characters.", count=COMMENT_MAX),
            field="comment",
        )
    module = session.get(Module, module_id)
    if module is None or not module.is_current:
        raise InvalidInput(_("Choose a module from the list."), field="module")
    if active_for(session, district.id, module.id) is not None:
        raise Conflict(
            _(
                "Your district already endorses %(module)s. Withdraw that "
                "endorsement first to write a new one.",
                module=module.title,
            ),
            field="module",
        )
    signer = keys.signer_for(keys.current_key(session))
    status_list, index = status.allocate(session, signer, StatusPurpose.REVOCATION)
    endorsement_id = str(uuid.uuid4())
    document = build_document(
        district, module, comment, endorsement_id, signer, status_list, index
    )
    endorsement = Endorsement(
        id=endorsement_id,
        district_id=district.id,
        module_id=module.id,
        endorsed_by_id=user.id,
        achievement_id=document["credentialSubject"]["id"],
        comment=comment,
        credential_json=json.dumps(document, ensure_ascii=False, separators=(",", ":")),
        issuer_key_id=signer.key.id,
        revocation_list_id=status_list.id,
        revocation_index=index,
        issued_at=utcnow(),
    )
    session.add(endorsement)
    session.flush()
    return endorsement


def withdraw(session: DbSession, user: User, endorsement_id: str) -> Endorsement:
    """Withdraw one of the user's district's endorsements: its revocation bit is
    set (the served list is re-signed) and it is no longer shown."""
    district = _district_of(session, user)
    endorsement = session.get(Endorsement, endorsement_id)
    if endorsement is None or endorsement.district_id != district.id:
        raise NotFound(_("That endorsement does not exist."))
    if endorsement.withdrawn_at is None:
        status_list = session.get(StatusList, endorsement.revocation_list_id)
        assert status_list is not None
        status.set_bit(session, status_list, endorsement.revocation_index, True)
        endorsement.withdrawn_at = utcnow()
        endorsement.withdrawn_by_id = user.id
        session.flush()
    return endorsement


def of_district(session: DbSession, district_id: int) -> list[Endorsement]:
    """A district's endorsements in force, by module title."""
    return list(
        session.scalars(
            select(Endorsement)
            .join(Module, Module.id == Endorsement.module_id)
            .options(joinedload(Endorsement.module))
            .where(
                Endorsement.district_id == district_id,
                Endorsement.withdrawn_at.is_(None),
            )
            .order_by(Module.title)
        )
    )


def for_module(session: DbSession, module_id: int) -> list[Endorsement]:
    """The endorsements in force of a module version's achievement, oldest first."""
    return list(
        session.scalars(
            select(Endorsement)
            .options(joinedload(Endorsement.district))
            .where(
                Endorsement.module_id == module_id,
                Endorsement.withdrawn_at.is_(None),
            )
            .order_by(Endorsement.issued_at, Endorsement.id)
        )
    )


def get(session: DbSession, endorsement_id: str) -> Endorsement | None:
    try:
        uuid.UUID(endorsement_id)
    except ValueError:
        return None
    return session.get(Endorsement, endorsement_id)

"""The VC-API exchange that puts a teacher's badge in their wallet.

The teacher starts an exchange for one of their credentials; the wallet (the
Learner Credential Wallet, or any VC-API wallet) POSTs ``{}`` to the exchange URL
and gets a ``verifiablePresentationRequest`` asking for DIDAuthentication with a
challenge and our domain; it POSTs back a VerifiablePresentation its did:key signed
for authentication over that challenge and domain, and receives the credential
re-issued with ``credentialSubject.id`` set to its DID (the email hash stays). An
exchange lasts 15 minutes and issues once.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from badges.dids import Resolver
from badges.documents import CREDENTIALS_V2
from badges.errors import BadgeError
from badges.keys import public_key_from_did_key
from badges.limits import DEFAULT_LIMITS
from badges.proofs import ed25519_signature_2020, eddsa_rdfc_2022, is_supported
from badges.proofs.hashing import proofs_of
from pdhub.accounts.models import User
from pdhub.credentials import keys
from pdhub.credentials.issuing import Issuer
from pdhub.credentials.models import IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.errors import Conflict, DomainError, NotFound
from pdhub.wallets.models import WalletCredential, WalletExchange

EXCHANGE_LIFETIME = timedelta(minutes=15)
AUTHENTICATION = "authentication"
#: Deep link of the Learner Credential Wallet (its universal link; the app opens it
#: with ``request`` holding the VC-API exchange, as the DCC documents).
LCW_REQUEST = "https://lcw.app/request.html"
#: The older LCW deep link (custom scheme), still read by the app.
DCC_REQUEST = "dccrequest://request"


class Gone(DomainError):
    """The exchange was used or expired (410): the teacher starts a new one."""

    status = 410
    title = _l("This link has expired")


class InvalidPresentation(DomainError):
    """The body is not an exchange step at all (400)."""

    status = 400
    title = _l("The request could not be completed")


class Unauthorized(DomainError):
    """The DIDAuth presentation does not prove control of a DID (401)."""

    status = 401
    title = _l("Not authenticated")


# --- the teacher's side -------------------------------------------------------------


def addable(credential: IssuedCredential) -> bool:
    """Whether a wallet may receive a copy: the credential is current and active."""
    return (
        credential.revoked_at is None
        and credential.replaced_by_id is None
        and credential.suspended_at is None
        and not credential.expired
    )


def start_exchange(
    session: DbSession, user: User, credential: IssuedCredential
) -> WalletExchange:
    """Open an exchange that copies ``credential`` into the teacher's wallet.

    Raises NotFound when it is someone else's credential, Conflict when it is
    revoked or replaced (a wallet would only receive a credential that fails).
    """
    if credential.user_id != user.id:
        raise NotFound("No credential has that id.")
    if not addable(credential):
        raise Conflict(
            "Only an active badge can be added to a wallet: this one is revoked, "
            "replaced, suspended or expired."
        )
    now = utcnow()
    exchange = WalletExchange(
        id=secrets.token_urlsafe(32),
        credential_id=credential.id,
        user_id=user.id,
        challenge=str(uuid.uuid4()),
        created_at=now,
        expires_at=now + EXCHANGE_LIFETIME,
    )
    session.add(exchange)
    session.flush()
    return exchange


def origin() -> str:
    """This site's origin (scheme and host), the ``domain`` a wallet signs."""
    parts = urlsplit(keys.base_url())
    return f"{parts.scheme}://{parts.netloc}"


def exchange_url(exchange: WalletExchange) -> str:
    return f"{keys.base_url()}/api/v1/exchanges/{exchange.id}"


def lcw_link(exchange: WalletExchange) -> str:
    """The Learner Credential Wallet deep link (also what the QR code holds)."""
    request = {
        "credentialRequestOrigin": origin(),
        "protocols": {"vcapi": exchange_url(exchange)},
    }
    text = json.dumps(request, separators=(",", ":"))
    return f"{LCW_REQUEST}?request={quote(text, safe='')}"


def dcc_link(exchange: WalletExchange) -> str:
    """The older LCW deep link: the wallet POSTs its DIDAuth straight to the URL."""
    query = urlencode(
        {
            "issuer": origin(),
            "auth_type": "bearer",
            "challenge": exchange.challenge,
            "vc_request_url": exchange_url(exchange),
        }
    )
    return f"{DCC_REQUEST}?{query}"


# --- the wallet's side --------------------------------------------------------------


def _open_exchange(session: DbSession, exchange_id: str) -> WalletExchange:
    if not exchange_id or len(exchange_id) > 64:
        raise NotFound("No exchange has that id.")
    # Locked: two wallets posting at once cannot both be the one that uses it.
    exchange = session.get(WalletExchange, exchange_id, with_for_update=True)
    if exchange is None:
        raise NotFound("No exchange has that id.")
    if exchange.used_at is not None:
        raise Gone(
            "This exchange was already used: a wallet received the badge. "
            "Start a new one from the badge's page to add it to another wallet."
        )
    if exchange.expires_at <= utcnow():
        raise Gone(
            "This exchange expired (they last 15 minutes). Start a new one "
            "from the badge's page."
        )
    return exchange


def presentation_request(exchange: WalletExchange) -> dict[str, Any]:
    """The VC-API verifiablePresentationRequest: DIDAuthentication with a did:key."""
    return {
        "query": [
            {
                "type": "DIDAuthentication",
                "acceptedMethods": [{"method": "key"}],
                "acceptedCryptosuites": [
                    {"cryptosuite": eddsa_rdfc_2022.CRYPTOSUITE},
                    {"cryptosuite": ed25519_signature_2020.PROOF_TYPE},
                ],
            }
        ],
        "challenge": exchange.challenge,
        "domain": origin(),
        "interact": {
            "service": [
                {
                    "type": "UnmediatedHttpPresentationService2021",
                    "serviceEndpoint": exchange_url(exchange),
                }
            ]
        },
    }


def participate(session: DbSession, exchange_id: str, body: Any) -> dict[str, Any]:
    """One step of the exchange: ``{}`` asks what to present (the request is
    answered), a body with ``verifiablePresentation`` (or the bare presentation, as
    the older LCW link posts it) is checked and answered with the wallet-bound
    credential. Raises NotFound, Gone, InvalidPresentation or Unauthorized."""
    exchange = _open_exchange(session, exchange_id)
    if not isinstance(body, Mapping):
        raise InvalidPresentation("Send a JSON object.")
    presentation = body.get("verifiablePresentation")
    if presentation is None and _is_presentation(body):
        presentation = body
    if presentation is None:
        if body:
            raise InvalidPresentation(
                "Send {} to start, then a verifiablePresentation."
            )
        return {"verifiablePresentationRequest": presentation_request(exchange)}
    holder = authenticated_holder(presentation, exchange.challenge, origin())
    copy = issue_to_wallet(session, exchange, holder)
    return {
        "verifiablePresentation": {
            "@context": [CREDENTIALS_V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [json.loads(copy.credential_json)],
        }
    }


def _is_presentation(value: Mapping[str, Any]) -> bool:
    kinds = value.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "VerifiablePresentation" in kinds


def authenticated_holder(presentation: Any, challenge: str, domain: str) -> str:
    """The did:key that signed ``presentation`` for authentication over this
    ``challenge`` and ``domain``; raises Unauthorized (or InvalidPresentation for
    what is not a presentation at all)."""
    if not isinstance(presentation, Mapping) or not _is_presentation(presentation):
        raise InvalidPresentation("verifiablePresentation is not a presentation.")
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    if not isinstance(holder, str) or not holder.startswith("did:key:"):
        raise Unauthorized("The presentation's holder must be a did:key DID.")
    try:
        public_key_from_did_key(holder)
    except BadgeError:
        raise Unauthorized("The holder's did:key is not an Ed25519 key.") from None
    try:
        proofs = proofs_of(presentation)
    except TypeError:
        raise Unauthorized("The presentation is not signed.") from None
    resolver = Resolver()  # did:key only: resolved offline, never fetched
    reasons: list[str] = []
    for proof in proofs:
        if not is_supported(proof):
            reasons.append("unsupported proof type")
            continue
        try:
            if proof.get("type") == eddsa_rdfc_2022.PROOF_TYPE:
                verified = eddsa_rdfc_2022.verify_proof(
                    presentation, proof, resolver, DEFAULT_LIMITS
                )
            else:
                verified = ed25519_signature_2020.verify_proof(
                    presentation, proof, resolver, DEFAULT_LIMITS
                )
        except BadgeError as exc:
            reasons.append(str(exc))
            continue
        if verified.purpose != AUTHENTICATION:
            reasons.append("the proof's purpose is not authentication")
        elif not verified.key.authorized_for(AUTHENTICATION):
            reasons.append("the key is not an authentication key")
        elif verified.key.controller != holder:
            reasons.append("the proof is not signed by the holder's key")
        elif not secrets.compare_digest(str(proof.get("challenge", "")), challenge):
            reasons.append("the proof's challenge is not this exchange's")
        elif proof.get("domain") != domain:
            reasons.append("the proof's domain is not this site")
        else:
            return holder
    raise Unauthorized(
        "The presentation does not prove control of the holder's DID: "
        + "; ".join(reasons or ["no proof"])
        + "."
    )


def issue_to_wallet(
    session: DbSession, exchange: WalletExchange, holder: str
) -> WalletCredential:
    """Sign the exchange's credential again with ``holder`` as the subject's id,
    store it, and close the exchange. The copy keeps the original's status entry
    and validUntil, so it is revoked, suspended and expires with it."""
    original = exchange.credential
    if not addable(original):
        raise Gone(
            "This badge is no longer active (revoked, replaced, suspended or "
            "expired); it cannot be added now."
        )
    issuer = Issuer(session)
    status_list = original.revocation_list
    if status_list.issuer_id != issuer.signer.issuer_id:
        raise Conflict(
            "This badge was signed by an earlier issuer key. Ask for it to be "
            "reissued, then add it to your wallet."
        )
    now = utcnow().replace(microsecond=0)
    row = issuer.build(
        original.award,
        status_list,
        original.revocation_index,
        now,
        subject_id=holder,
        same_validity_as=original,
    )
    copy = WalletCredential(
        id=row["id"],
        award_id=original.award_id,
        source_credential_id=original.id,
        exchange_id=exchange.id,
        user_id=original.user_id,
        holder_did=holder,
        issuer_key_id=row["issuer_key_id"],
        credential_json=row["credential_json"],
        revocation_list_id=status_list.id,
        revocation_index=original.revocation_index,
        issued_at=now,
    )
    exchange.used_at = utcnow()
    session.add(copy)
    session.flush()
    return copy


def wallet_copies(session: DbSession, credential: IssuedCredential) -> int:
    """How many wallets hold a copy of ``credential``."""
    return int(
        session.scalar(
            select(func.count(WalletCredential.id)).where(
                WalletCredential.source_credential_id == credential.id
            )
        )
        or 0
    )

"""Typed builders for Open Badges 3.0 OpenBadgeCredentials on the VC 2.0 data model."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from badges.dates import format_date_time
from badges.documents import CREDENTIALS_V2, OB_V3P0_303, OB_V3P0_EXTENSIONS
from badges.errors import CredentialBuildError
from badges.schema import ACHIEVEMENT_CREDENTIAL_SCHEMA_URL, schema_errors

CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"
STATUS_ENTRY_TYPE = "BitstringStatusListEntry"


def new_credential_id() -> str:
    """Return a fresh ``urn:uuid:`` credential id (random UUID, RFC 9562 v4)."""
    return f"urn:uuid:{uuid.uuid4()}"


def _number(value: float) -> float | int:
    # JSON-LD 1.1 turns an integral number into an xsd:integer-style lexical
    # form and a fractional one into the xsd:double form; emitting 3 rather
    # than 3.0 keeps every processor on the same side of that line.
    try:
        finite = math.isfinite(value)
    except (OverflowError, TypeError):  # an int too large for a double, a non-number
        finite = False
    if not finite or isinstance(value, bool) or value < 0:
        raise CredentialBuildError(
            f"{str(value)[:40]} is not a non-negative finite number"
        )
    return int(value) if float(value).is_integer() else float(value)


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class Image:
    """An OB 3.0 Image: a URL (or data: URI) with an optional caption."""

    id: str
    caption: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 Image (type is a single string, per the schema)."""
        return _drop_none({"id": self.id, "type": "Image", "caption": self.caption})


@dataclass(frozen=True)
class IssuerProfile:
    """The issuer Profile: its id is the DID that controls the signing key."""

    id: str
    name: str
    url: str
    image: Image | None = None
    email: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 Profile."""
        return _drop_none(
            {
                "id": self.id,
                "type": ["Profile"],
                "name": self.name,
                "url": self.url,
                "description": self.description,
                "image": self.image.to_json() if self.image else None,
                "email": self.email,
            }
        )


@dataclass(frozen=True)
class Alignment:
    """An alignment of the achievement to a standard or framework item."""

    target_name: str
    target_url: str
    target_code: str | None = None
    target_framework: str | None = None
    target_type: str | None = None
    target_description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 Alignment."""
        return _drop_none(
            {
                "type": ["Alignment"],
                "targetName": self.target_name,
                "targetUrl": self.target_url,
                "targetCode": self.target_code,
                "targetFramework": self.target_framework,
                "targetType": self.target_type,
                "targetDescription": self.target_description,
            }
        )


@dataclass(frozen=True)
class RubricLevel:
    """One level of a rubric criterion, e.g. "Demonstrated" or "Not yet"."""

    id: str
    name: str
    description: str | None = None
    level: str | None = None
    points: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 RubricCriterionLevel."""
        return _drop_none(
            {
                "id": self.id,
                "type": ["RubricCriterionLevel"],
                "name": self.name,
                "description": self.description,
                "level": self.level,
                "points": self.points,
            }
        )


@dataclass(frozen=True)
class ResultDescription:
    """A rubric criterion of the achievement and the levels it can be met at."""

    id: str
    name: str
    levels: Sequence[RubricLevel] = ()
    allowed_values: Sequence[str] = ()
    result_type: str = "RubricCriterionLevel"

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 ResultDescription."""
        return _drop_none(
            {
                "id": self.id,
                "type": ["ResultDescription"],
                "name": self.name,
                "resultType": self.result_type,
                "allowedValue": list(self.allowed_values) or None,
                "rubricCriterionLevel": [level.to_json() for level in self.levels]
                or None,
            }
        )


@dataclass(frozen=True)
class Related:
    """An OB 3.0 Related: another edition of the same achievement (here, the same
    module version in another language), with its language and version."""

    id: str
    in_language: str | None = None
    version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "type": ["Related"],
                "inLanguage": self.in_language,
                "version": self.version,
            }
        )


@dataclass(frozen=True)
class Achievement:
    """The achievement a badge stands for (one per PD Hub module version and
    language: each language edition names the others in ``related``)."""

    id: str
    name: str
    description: str
    criteria_narrative: str
    achievement_type: str = "MicroCredential"
    image: Image | None = None
    alignments: Sequence[Alignment] = ()
    credits_available: float | None = None
    result_descriptions: Sequence[ResultDescription] = ()
    #: The language of its texts, a BCP 47 code (OB 3.0 Achievement.inLanguage).
    in_language: str | None = None
    related: Sequence[Related] = ()

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 Achievement (creditsAvailable carries PD hours)."""
        return _drop_none(
            {
                "id": self.id,
                "type": ["Achievement"],
                "achievementType": self.achievement_type,
                "name": self.name,
                "description": self.description,
                "criteria": {"narrative": self.criteria_narrative},
                "image": self.image.to_json() if self.image else None,
                "alignment": [a.to_json() for a in self.alignments] or None,
                "creditsAvailable": None
                if self.credits_available is None
                else _number(self.credits_available),
                "resultDescription": [r.to_json() for r in self.result_descriptions]
                or None,
                "inLanguage": self.in_language,
                "related": [r.to_json() for r in self.related] or None,
            }
        )


def hash_identity(identity: str, salt: str) -> str:
    """Return an OB 3.0 identityHash: ``sha256$`` and hex SHA-256 of identity + salt.

    Applies the OB 3.0 data model's IdentityObject rule (hashed is true, the
    hash covers the identity followed by the salt).
    """
    digest = hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def normalize_email(email: str) -> str:
    """Trim and lower-case an email address before hashing it.

    Verifiers hash the address they know; lower case is the convention (OB 2.0
    implementations did the same), so ``Ann@X.org`` and ``ann@x.org`` match.
    """
    return email.strip().lower()


@dataclass(frozen=True)
class Recipient:
    """The earner, identified by a salted hash of their email (no email in clear)."""

    identity_hash: str
    salt: str
    identity_type: str = "emailAddress"

    @classmethod
    def from_email(cls, email: str, salt: str | None = None) -> Recipient:
        """Hash ``email`` (normalized) with ``salt`` or a fresh random salt.

        Raises CredentialBuildError for an empty address.
        """
        address = normalize_email(email)
        if "@" not in address:
            raise CredentialBuildError("a recipient email address is needed")
        salt = secrets.token_hex(16) if salt is None else salt
        return cls(identity_hash=hash_identity(address, salt), salt=salt)

    def matches_email(self, email: str) -> bool:
        """Tell whether ``email`` is the hashed address (constant-time compare)."""
        candidate = hash_identity(normalize_email(email), self.salt)
        return hmac.compare_digest(candidate, self.identity_hash)

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 IdentityObject (type is a single string)."""
        return {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": self.identity_hash,
            "identityType": self.identity_type,
            "salt": self.salt,
        }


@dataclass(frozen=True)
class NamedRecipient:
    """The earner's name in clear (an IdentityObject of type name, not hashed),
    added beside the hashed email when the earner chose to be named."""

    name: str

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 IdentityObject with ``identityType`` "name"."""
        name = " ".join(self.name.split())
        if not name:
            raise CredentialBuildError("a recipient name is not empty")
        return {
            "type": "IdentityObject",
            "hashed": False,
            "identityHash": name,
            "identityType": "name",
        }


def email_matches_identity(identifiers: Any, email: str) -> bool | None:
    """Tell whether ``email`` is the earner's address per a subject's identifiers.

    ``identifiers`` is the (untrusted) ``credentialSubject.identifier`` value: an
    IdentityObject or a list of them. Each of type emailAddress is compared, hashed
    or not (OB 3.0 IdentityHash: ``sha256$`` or ``md5$`` and hex of the normalized
    address followed by the salt, in either case). True when one matches, False when
    none does, None when the credential names no email identity (nothing to check).
    """
    candidates = identifiers if isinstance(identifiers, list) else [identifiers]
    address = normalize_email(email)
    found = False
    for identity in candidates[:50]:
        if not isinstance(identity, dict) or identity.get("identityType") != (
            "emailAddress"
        ):
            continue
        value = identity.get("identityHash")
        salt = identity.get("salt", "")
        if not isinstance(value, str) or not isinstance(salt, str):
            continue
        found = True
        if identity.get("hashed") is False:
            if hmac.compare_digest(normalize_email(value).encode(), address.encode()):
                return True
            continue
        algorithm, _, digest = value.partition("$")
        algorithm = algorithm.lower()
        if algorithm not in ("sha256", "md5"):
            continue
        expected = hashlib.new(
            algorithm, (address + salt).encode("utf-8"), usedforsecurity=False
        ).hexdigest()
        if hmac.compare_digest(expected.encode(), digest.lower().encode()):
            return True
    return False if found else None


@dataclass(frozen=True)
class Result:
    """The level the earner reached on one rubric criterion (both by id)."""

    result_description: str
    achieved_level: str

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 Result."""
        return {
            "type": ["Result"],
            "resultDescription": self.result_description,
            "achievedLevel": self.achieved_level,
        }


@dataclass(frozen=True)
class Evidence:
    """Evidence the earner agreed to share (a link, a narrative, or both)."""

    name: str
    id: str | None = None
    narrative: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialize as OB 3.0 Evidence."""
        return _drop_none(
            {
                "id": self.id,
                "type": ["Evidence"],
                "name": self.name,
                "narrative": self.narrative,
                "description": self.description,
            }
        )


@dataclass(frozen=True)
class StatusEntry:
    """A credential's place in a status list (W3C Bitstring Status List §2.1)."""

    list_credential: str
    index: int
    purpose: str = "revocation"

    def to_json(self) -> dict[str, Any]:
        """Serialize as BitstringStatusListEntry (statusListIndex is a string)."""
        if self.index < 0:
            raise CredentialBuildError("a status list index is not negative")
        if self.purpose not in ("revocation", "suspension"):
            raise CredentialBuildError("status purpose is revocation or suspension")
        return {
            "id": f"{self.list_credential}#{self.index}",
            "type": STATUS_ENTRY_TYPE,
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_credential,
        }


@dataclass(frozen=True)
class OpenBadgeCredential:
    """An unsigned OpenBadgeCredential; ``to_json`` gives the document to sign."""

    issuer: IssuerProfile
    achievement: Achievement
    recipient: Recipient
    valid_from: datetime
    id: str = field(default_factory=new_credential_id)
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    subject_id: str | None = None
    results: Sequence[Result] = ()
    credits_earned: float | None = None
    activity_end_date: datetime | None = None
    evidence: Sequence[Evidence] = ()
    status: StatusEntry | None = None
    include_schema: bool = True
    named: NamedRecipient | None = None

    def to_json(self) -> dict[str, Any]:
        """Build the credential JSON (OB 3.0 AchievementCredential on VC 2.0).

        The result validates against the official strict schema: this is
        checked here. Raises CredentialBuildError when a value is out of range
        or the document does not validate (the message lists why).
        """
        try:
            document = self._document()
        except ValueError as exc:
            raise CredentialBuildError(str(exc)) from exc
        problems = schema_errors(document)
        if problems:
            raise CredentialBuildError(
                "the credential would not validate: " + "; ".join(problems)
            )
        return document

    def _document(self) -> dict[str, Any]:
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise CredentialBuildError("validUntil must be after validFrom")
        context = [CREDENTIALS_V2, OB_V3P0_303]
        if self.include_schema:
            context.append(OB_V3P0_EXTENSIONS)
        subject = _drop_none(
            {
                "id": self.subject_id,
                "type": ["AchievementSubject"],
                "identifier": [self.recipient.to_json()]
                + ([self.named.to_json()] if self.named else []),
                "achievement": self.achievement.to_json(),
                "result": [r.to_json() for r in self.results] or None,
                "creditsEarned": None
                if self.credits_earned is None
                else _number(self.credits_earned),
                "activityEndDate": _date(self.activity_end_date),
            }
        )
        return _drop_none(
            {
                "@context": context,
                "id": self.id,
                "type": list(CREDENTIAL_TYPES),
                "name": self.name or self.achievement.name,
                "description": self.description,
                "image": self.image.to_json() if self.image else None,
                "issuer": self.issuer.to_json(),
                "validFrom": format_date_time(self.valid_from),
                "validUntil": _date(self.valid_until),
                "awardedDate": _date(self.awarded_date),
                "credentialSubject": subject,
                "evidence": [e.to_json() for e in self.evidence] or None,
                "credentialSchema": [
                    {
                        "id": ACHIEVEMENT_CREDENTIAL_SCHEMA_URL,
                        "type": SCHEMA_VALIDATOR_TYPE,
                    }
                ]
                if self.include_schema
                else None,
                "credentialStatus": self.status.to_json() if self.status else None,
            }
        )


def _date(moment: datetime | None) -> str | None:
    return None if moment is None else format_date_time(moment)

"""1EdTech Comprehensive Learner Record 2.0: a ClrCredential that carries a
learner's signed OpenBadgeCredentials (each keeps its own proof) with their
achievements and the associations between them, itself signed by the issuer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from badges.credential import IssuerProfile, Recipient, new_credential_id
from badges.dates import format_date_time
from badges.documents import (
    CLR_V2P0_201,
    CREDENTIALS_V2,
    OB_V3P0_303,
    OB_V3P0_EXTENSIONS,
)
from badges.errors import CredentialBuildError

CLR_TYPES = ("VerifiableCredential", "ClrCredential")
CLR_CREDENTIAL_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/"
    "clr_v2p0_clrcredential_schema.json"
)
# CLR 2.0 §B.1 AssociationType values used here.
ASSOCIATION_TYPES = frozenset(
    {"exactMatchOf", "isChildOf", "isParentOf", "isPartOf", "isPeerOf", "isRelatedTo"}
)
MAX_EMBEDDED = 1000


@dataclass(frozen=True)
class Association:
    """A CLR Association: ``source`` achievement relates to ``target`` as ``kind``."""

    kind: str
    source_id: str
    target_id: str

    def to_json(self) -> dict[str, Any]:
        """Serialize as CLR 2.0 Association."""
        if self.kind not in ASSOCIATION_TYPES:
            raise CredentialBuildError(f"unknown association type {self.kind!r}")
        return {
            "type": "Association",
            "associationType": self.kind,
            "sourceId": self.source_id,
            "targetId": self.target_id,
        }


@dataclass(frozen=True)
class ClrCredential:
    """An unsigned ClrCredential; ``to_json`` gives the document to sign."""

    issuer: IssuerProfile
    recipient: Recipient
    credentials: Sequence[Mapping[str, Any]]
    valid_from: datetime
    name: str
    description: str | None = None
    associations: Sequence[Association] = ()
    id: str = field(default_factory=new_credential_id)
    partial: bool = False

    def to_json(self) -> dict[str, Any]:
        """Build the CLR: every embedded credential as given (signed), and each one's
        achievement listed in the subject's ``achievement``."""
        if not self.credentials:
            raise CredentialBuildError("a CLR needs at least one credential")
        if len(self.credentials) > MAX_EMBEDDED:
            raise CredentialBuildError(
                f"a CLR holds at most {MAX_EMBEDDED} credentials"
            )
        achievements: list[dict[str, Any]] = []
        seen: set[str] = set()
        for credential in self.credentials:
            if not isinstance(credential.get("proof"), list | Mapping):
                raise CredentialBuildError("every credential in a CLR must be signed")
            achievement = credential.get("credentialSubject", {}).get("achievement")
            if isinstance(achievement, Mapping) and achievement.get("id") not in seen:
                seen.add(str(achievement.get("id")))
                achievements.append(dict(achievement))
        subject: dict[str, Any] = {
            "type": ["ClrSubject"],
            "identifier": [self.recipient.to_json()],
            "achievement": achievements,
            "verifiableCredential": [dict(c) for c in self.credentials],
        }
        if self.associations:
            subject["association"] = [a.to_json() for a in self.associations]
        document: dict[str, Any] = {
            "@context": [CREDENTIALS_V2, CLR_V2P0_201, OB_V3P0_303, OB_V3P0_EXTENSIONS],
            "id": self.id,
            "type": list(CLR_TYPES),
            "name": self.name,
            "issuer": self.issuer.to_json(),
            "validFrom": format_date_time(self.valid_from),
            "credentialSubject": subject,
            "credentialSchema": [
                {
                    "id": CLR_CREDENTIAL_SCHEMA_URL,
                    "type": "1EdTechJsonSchemaValidator2019",
                }
            ],
        }
        if self.description:
            document["description"] = self.description
        if self.partial:
            document["partial"] = True
        return document


def is_clr(credential: Mapping[str, Any]) -> bool:
    """Tell whether ``credential`` says it is a ClrCredential."""
    types = credential.get("type")
    return types == "ClrCredential" or (
        isinstance(types, list) and "ClrCredential" in types
    )


def embedded_credentials(credential: Mapping[str, Any]) -> list[Any]:
    """The credentials a CLR carries (``credentialSubject.verifiableCredential``)."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return []
    embedded = subject.get("verifiableCredential")
    if isinstance(embedded, Mapping):
        return [embedded]
    return list(embedded) if isinstance(embedded, list) else []


def shape_problems(credential: Mapping[str, Any]) -> list[str]:
    """What keeps ``credential`` from being a well-formed CLR 2.0 ClrCredential
    (CLR 2.0 §B: the ClrCredential and ClrSubject classes); empty when none."""
    problems: list[str] = []
    context = credential.get("@context")
    if not isinstance(context, list) or CLR_V2P0_201 not in context:
        problems.append(f"@context must include {CLR_V2P0_201}")
    if not isinstance(credential.get("name"), str) or not credential.get("name"):
        problems.append("name is required")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return problems + ["credentialSubject must be one ClrSubject object"]
    types = subject.get("type")
    if not (types == "ClrSubject" or isinstance(types, list) and "ClrSubject" in types):
        problems.append("credentialSubject.type must include ClrSubject")
    embedded = subject.get("verifiableCredential")
    if not isinstance(embedded, list) or not embedded:
        problems.append(
            "credentialSubject.verifiableCredential must be a non-empty list"
        )
    elif len(embedded) > MAX_EMBEDDED:
        problems.append(f"a CLR may hold at most {MAX_EMBEDDED} credentials here")
    elif not all(isinstance(item, Mapping) for item in embedded):
        problems.append("each verifiableCredential must be a credential object")
    for association in subject.get("association") or []:
        if not isinstance(association, Mapping) or not {
            "associationType",
            "sourceId",
            "targetId",
        } <= set(association):
            problems.append(
                "each association needs associationType, sourceId and targetId"
            )
            break
    return problems

"""Verifying one credential and describing it for people: the verdict, who issued what
to whom, and each check in plain words."""

from __future__ import annotations

import enum
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from badges.credential import hash_identity, normalize_email
from badges.verify import Check, VerificationReport, verify_credential
from pdhub.errors import InvalidInput
from pdhub.trust import service as trust_service
from pdhub.trust.service import TrustList, TrustMatch
from pdhub.verification.fetcher import (
    DocumentFetcher,
    FetchError,
    MemoFetcher,
    credential_document_url,
    resolver_for,
)
from pdhub.verification.models import Verdict

#: The checks, named for people.
CHECK_LABELS = {
    "structure": "Readable credential",
    "schema": "Open Badges 3.0 format",
    "proof": "Signature",
    "issuer": "Issuer",
    "validity": "Dates",
    "status": "Revocation and suspension",
}

#: Checks whose failure means the credential itself cannot be trusted.
_TRUST_CHECKS = ("structure", "schema", "proof", "issuer")

#: The issuer check's machine-readable codes (the API's ``checks[].code``).
ISSUER_TRUSTED = "trusted"
ISSUER_NOT_LISTED = "not_listed"
ISSUER_KEY_MISMATCH = "key_not_issuers"
ISSUER_NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class RubricResult:
    criterion: str
    level: str


@dataclass(frozen=True)
class CredentialSummary:
    """What a credential says (shown whatever the verdict, labelled as its claims)."""

    issuer_name: str | None = None
    issuer_id: str | None = None
    issuer_url: str | None = None
    teacher: str | None = None
    achievement: str | None = None
    achievement_description: str | None = None
    criteria: str | None = None
    criteria_url: str | None = None
    hours: str | None = None
    results: list[RubricResult] = field(default_factory=list)
    issued: str | None = None
    valid_until: str | None = None


@dataclass(frozen=True)
class IssuerTrust:
    """Who signed, and whether a list the verifier uses trusts them.

    ``claimed_name`` is the credential's own word for its issuer; only ``match``
    (a trust list entry, with the name the list's keeper gave) confirms anything.
    """

    identifier: str | None
    claimed_name: str | None
    match: TrustMatch | None
    code: str

    @property
    def trusted(self) -> bool:
        return self.match is not None and self.code == ISSUER_TRUSTED

    @property
    def trusted_name(self) -> str | None:
        return self.match.name if self.match is not None and self.trusted else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.identifier,
            "claimedName": self.claimed_name,
            "trusted": self.trusted,
            "trustedName": self.trusted_name,
            "trustList": self.match.source if self.trusted and self.match else None,
        }


class RecipientMatch(enum.StrEnum):
    """Whether the credential was issued to the email address the verifier expects."""

    NOT_CHECKED = "not_checked"
    MATCHES = "matches"
    DOES_NOT_MATCH = "does_not_match"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Outcome:
    """A verification report with its verdict and the credential's description.

    ``checks`` are the report's, with the issuer check judged against the trust list.
    """

    report: VerificationReport
    verdict: Verdict
    summary: CredentialSummary
    reasons: list[str]
    checks: list[Check] = field(default_factory=list)
    issuer: IssuerTrust = field(
        default_factory=lambda: IssuerTrust(None, None, None, ISSUER_NOT_CHECKED)
    )
    recipient: RecipientMatch = RecipientMatch.NOT_CHECKED

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VERIFIED

    @property
    def readable(self) -> bool:
        """Whether the input was a credential at all (the structure check passed)."""
        return self.report.check("structure").passed

    def labelled_checks(self) -> list[tuple[str, Check]]:
        return [(CHECK_LABELS.get(c.name, c.name), c) for c in self.checks]

    def to_json(self) -> dict[str, Any]:
        """The API's shape: verified, verdict, each check, the issuer, the recipient."""
        return {
            "verified": self.verified,
            "verdict": self.verdict.value,
            "checks": [check.to_json() for check in self.checks],
            "issuer": self.issuer.to_json(),
            "recipient": self.recipient.value,
        }


def default_trust() -> TrustList:
    """The lists an anonymous verifier uses: own identifiers and the platform's."""
    from pdhub.extensions import db

    return trust_service.trust_list(db.session, None)


def verify(
    data: Any,
    *,
    trust: TrustList | None = None,
    expected_email: str | None = None,
    fetcher: DocumentFetcher | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Verify a credential (object, JSON text, VC-JWT, or PNG/SVG bytes); never raises.

    The issuer is judged against ``trust`` (default: this deployment's own
    identifiers and the platform's list). Documents it needs (status lists, did:web)
    come through ``fetcher`` (default: the current app's), each fetched once. A check
    that could not be completed fails.
    """
    fetch = MemoFetcher(fetcher or DocumentFetcher.for_app(current_app))
    return verify_with(
        data,
        fetch,
        trust=trust if trust is not None else default_trust(),
        expected_email=expected_email,
        now=now,
    )


def verify_with(
    data: Any,
    fetch: Any,
    *,
    resolver: Any = None,
    trust: TrustList | None = None,
    expected_email: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Verify with a given fetch function (and resolver, reused across a batch).

    Without ``trust`` no issuer is trusted.
    """
    report = verify_credential(
        data, resolver=resolver or resolver_for(fetch), status_fetcher=fetch, now=now
    )
    return outcome_of(report, trust, expected_email)


def fetch_credential(url: str, fetcher: DocumentFetcher | None = None) -> bytes:
    """Fetch a credential of this site by its page or file URL.

    Raises InvalidInput (field ``url``) when the URL is not this site's or nothing
    shared is there.
    """
    fetcher = fetcher or DocumentFetcher.for_app(current_app)
    url = url.strip()
    if not fetcher.is_local(url):
        raise InvalidInput(
            "Enter the address of a credential on this site; it starts with "
            f"{fetcher.base_url}/credentials/. For other files, upload or paste them.",
            field="url",
        )
    try:
        return fetcher(credential_document_url(url))
    except FetchError:
        raise InvalidInput(
            "There is no shared credential at that address. Check the link, or ask "
            "the teacher to turn sharing on.",
            field="url",
        ) from None


def outcome_of(
    report: VerificationReport,
    trust: TrustList | None = None,
    expected_email: str | None = None,
) -> Outcome:
    """Judge a report: verified only when every check passed and a list the verifier
    uses trusts the issuer; otherwise say why."""
    issuer = judge_issuer(report, trust or TrustList())
    checks = [
        _issuer_check(check, issuer) if check.name == "issuer" else check
        for check in report.checks
    ]
    failed = [check for check in checks if not check.passed]
    reasons = [f"{CHECK_LABELS.get(c.name, c.name)}: {c.detail}" for c in failed]
    verdict = _verdict(report)
    if verdict is Verdict.VERIFIED and not issuer.trusted:
        verdict = Verdict.UNLISTED_ISSUER
    return Outcome(
        report,
        verdict,
        summarize(report.credential),
        reasons,
        checks,
        issuer,
        recipient_match(report.credential, expected_email),
    )


def judge_issuer(report: VerificationReport, trust: TrustList) -> IssuerTrust:
    """The issuer's identifier, claimed name, and trust: trusted only when the
    signing key is the issuer's and a list names that issuer."""
    summary_issuer = (
        report.credential.get("issuer") if report.credential is not None else None
    )
    claimed = (
        _text(summary_issuer.get("name"))
        if isinstance(summary_issuer, Mapping)
        else None
    )
    identifier = _text(
        summary_issuer.get("id")
        if isinstance(summary_issuer, Mapping)
        else summary_issuer,
        500,
    )
    key_check = next((c for c in report.checks if c.name == "issuer"), None)
    if key_check is None or not key_check.passed:
        code = (
            ISSUER_NOT_CHECKED
            if key_check is None or key_check.detail.startswith("not checked")
            else ISSUER_KEY_MISMATCH
        )
        return IssuerTrust(identifier, claimed, None, code)
    match = trust.lookup(identifier)
    code = ISSUER_TRUSTED if match is not None else ISSUER_NOT_LISTED
    return IssuerTrust(identifier, claimed, match, code)


def _issuer_check(check: Check, issuer: IssuerTrust) -> Check:
    if issuer.code == ISSUER_TRUSTED and issuer.match is not None:
        return Check(
            "issuer",
            True,
            f"signed by {issuer.identifier}, trusted as “{issuer.match.name}” "
            f"through {issuer.match.label}",
            ISSUER_TRUSTED,
        )
    if issuer.code == ISSUER_NOT_LISTED:
        claim = (
            f"; it calls itself “{issuer.claimed_name}”, which is not confirmed"
            if issuer.claimed_name
            else ""
        )
        return Check(
            "issuer",
            False,
            f"the signature is valid, but the issuer {issuer.identifier} is on no "
            f"trust list you use{claim}",
            ISSUER_NOT_LISTED,
        )
    return Check("issuer", False, check.detail, issuer.code)


def recipient_match(
    credential: Mapping[str, Any] | None, expected_email: str | None
) -> RecipientMatch:
    """Whether ``credential`` was issued to ``expected_email`` (OB 3.0 §B.1.4 salted
    email hash); NOT_CHECKED when no email is given. The email is not kept."""
    if expected_email is None or not expected_email.strip():
        return RecipientMatch.NOT_CHECKED
    email = normalize_email(expected_email)
    subject = _mapping((credential or {}).get("credentialSubject"))
    for identifier in _list(subject.get("identifier")):
        if not isinstance(identifier, Mapping) or identifier.get("identityType") != (
            "emailAddress"
        ):
            continue
        claimed = identifier.get("identityHash")
        if not isinstance(claimed, str):
            continue
        if identifier.get("hashed") is False:
            if claimed.strip().lower() == email:
                return RecipientMatch.MATCHES
            continue
        salt = identifier.get("salt")
        if hmac.compare_digest(
            hash_identity(email, salt if isinstance(salt, str) else ""), claimed
        ):
            return RecipientMatch.MATCHES
    return RecipientMatch.DOES_NOT_MATCH


def _verdict(report: VerificationReport) -> Verdict:
    if report.verified:
        return Verdict.VERIFIED
    checks = {check.name: check for check in report.checks}
    if any(not checks[name].passed for name in _TRUST_CHECKS if name in checks):
        return Verdict.NOT_VERIFIED
    status = checks.get("status")
    if status is not None and not status.passed:
        # badges reports a set bit as "the credential is revoked [and suspended]";
        # anything else (a list that could not be fetched) is "not verified".
        if status.detail.startswith("the credential is "):
            if "revoked" in status.detail:
                return Verdict.REVOKED
            if "suspended" in status.detail:
                return Verdict.SUSPENDED
        return Verdict.NOT_VERIFIED
    validity = checks.get("validity")
    if (
        validity is not None
        and not validity.passed
        and validity.detail.startswith("expired")
    ):
        return Verdict.EXPIRED
    return Verdict.NOT_VERIFIED


# --- describing a credential (untrusted data: every value is checked) ---------------


def _text(value: Any, limit: int = 300) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = f"{value:g}"
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    if not value:
        return None
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _mapping(value: Any) -> Mapping[str, Any]:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _teacher_name(subject: Mapping[str, Any]) -> str | None:
    name = _text(subject.get("name"))
    if name:
        return name
    for identifier in _list(subject.get("identifier")):
        if (
            isinstance(identifier, Mapping)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
        ):
            return _text(identifier.get("identityHash"))
    return None


def summarize(credential: Mapping[str, Any] | None) -> CredentialSummary:
    """Pull out issuer, teacher, achievement, criteria, PD hours and rubric results."""
    if not isinstance(credential, Mapping):
        return CredentialSummary()
    issuer = credential.get("issuer")
    issuer_map = issuer if isinstance(issuer, Mapping) else {}
    subject = _mapping(credential.get("credentialSubject"))
    achievement = _mapping(subject.get("achievement"))
    criteria = _mapping(achievement.get("criteria"))
    hours = _text(subject.get("creditsEarned")) or _text(
        achievement.get("creditsAvailable")
    )
    return CredentialSummary(
        issuer_name=_text(issuer_map.get("name")),
        issuer_id=_text(issuer_map.get("id") if issuer_map else issuer, 500),
        issuer_url=_url(issuer_map.get("url")),
        teacher=_teacher_name(subject),
        achievement=_text(achievement.get("name")),
        achievement_description=_text(achievement.get("description"), 2000),
        criteria=_text(criteria.get("narrative"), 4000),
        criteria_url=_url(criteria.get("id")),
        hours=hours,
        results=_results(subject, achievement),
        issued=_text(credential.get("validFrom") or credential.get("awardedDate"), 40),
        valid_until=_text(credential.get("validUntil"), 40),
    )


def _url(value: Any) -> str | None:
    text = _text(value, 2000)
    return text if text and text.startswith(("https://", "http://")) else None


def _results(
    subject: Mapping[str, Any], achievement: Mapping[str, Any]
) -> list[RubricResult]:
    descriptions: dict[str, Mapping[str, Any]] = {}
    for description in _list(achievement.get("resultDescription"))[:100]:
        if isinstance(description, Mapping) and isinstance(description.get("id"), str):
            descriptions[description["id"]] = description
    results: list[RubricResult] = []
    for result in _list(subject.get("result"))[:100]:
        if not isinstance(result, Mapping):
            continue
        description = descriptions.get(str(result.get("resultDescription")), {})
        criterion = _text(description.get("name")) or _text(
            result.get("resultDescription")
        )
        levels = {
            level.get("id"): _text(level.get("name"))
            for level in _list(description.get("rubricCriterionLevel"))
            if isinstance(level, Mapping)
        }
        achieved = result.get("achievedLevel")
        level = (
            (levels.get(achieved) if isinstance(achieved, str) else None)
            or _text(result.get("value"))
            or _text(achieved)
        )
        if criterion and level:
            results.append(RubricResult(criterion, level))
    return results

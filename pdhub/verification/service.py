"""Verifying one credential and describing it for people: the verdict, who issued what
to whom, and each check in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context

from badges.verify import Check, VerificationReport, verify_credential
from pdhub.errors import InvalidInput
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
    "issuer": "Issuer's key",
    "validity": "Dates",
    "status": "Revocation and suspension",
}

#: Checks whose failure means the credential itself cannot be trusted.
_TRUST_CHECKS = ("structure", "schema", "proof", "issuer")


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
class Outcome:
    """A verification report with its verdict and the credential's description."""

    report: VerificationReport
    verdict: Verdict
    summary: CredentialSummary
    reasons: list[str]

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VERIFIED

    @property
    def readable(self) -> bool:
        """Whether the input was a credential at all (the structure check passed)."""
        return self.report.check("structure").passed

    def labelled_checks(self) -> list[tuple[str, Check]]:
        return [(CHECK_LABELS.get(c.name, c.name), c) for c in self.report.checks]


def verify(
    data: Any, *, fetcher: DocumentFetcher | None = None, now: datetime | None = None
) -> Outcome:
    """Verify a credential (object, JSON text, VC-JWT, or PNG/SVG bytes); never raises.

    Documents it needs (status lists, did:web) come through ``fetcher`` (default: the
    current app's), each fetched once. A check that could not be completed fails.
    """
    fetch = MemoFetcher(fetcher or DocumentFetcher.for_app(current_app))
    return verify_with(data, fetch, now=now)


def verify_with(
    data: Any, fetch: Any, *, resolver: Any = None, now: datetime | None = None
) -> Outcome:
    """Verify with a given fetch function (and resolver, reused across a batch)."""
    report = verify_credential(
        data, resolver=resolver or resolver_for(fetch), status_fetcher=fetch, now=now
    )
    return outcome_of(report)


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


def outcome_of(report: VerificationReport) -> Outcome:
    """Judge a report: verified only when every check passed; otherwise say why.

    For a credential of this deployment, its records add what the signature cannot
    say: the date and public reason of a revocation or suspension, a suspension its
    status list cannot show, and a signing key withdrawn after it leaked.
    """
    report, verdict = _with_records(report)
    failed = [check for check in report.checks if not check.passed]
    reasons = [f"{CHECK_LABELS.get(c.name, c.name)}: {c.detail}" for c in failed]
    return Outcome(
        report, verdict or _verdict(report), summarize(report.credential), reasons
    )


def _replaced(report: VerificationReport, check: Check) -> VerificationReport:
    checks = [check if c.name == check.name else c for c in report.checks]
    return VerificationReport(checks, report.credential, report.format)


def _with_records(
    report: VerificationReport,
) -> tuple[VerificationReport, Verdict | None]:
    credential = report.credential
    if credential is None or not has_app_context():
        return report, None
    checks = {check.name: check for check in report.checks}
    proof = checks.get("proof")
    if proof is None or not proof.passed:
        return report, None
    from pdhub.credentials import standing
    from pdhub.extensions import db

    session = db.session
    status = checks.get("status")
    flagged = status is not None and status.detail.startswith("the credential is ")
    withdrawn = standing.signed_with_withdrawn_key(session, credential)
    stored = None
    if flagged or withdrawn or standing.needs_record(credential):
        stored = standing.own_credential(session, credential)
    key = standing.key_standing(session, credential, stored) if withdrawn else None
    if key is None and "issuer" in checks and not checks["issuer"].passed:
        return report, None
    if key is not None:
        return _replaced(report, Check("issuer", False, key.detail)), None
    if stored is None or status is None:
        return report, None
    found = standing.status_standing(stored)
    if found is None:
        return report, None
    if not (flagged or not found.status_list_shows_it):
        # The record says so but the list does not (yet): the list decides.
        return report, None
    report = _replaced(report, Check("status", False, found.detail))
    if any(not checks[name].passed for name in _TRUST_CHECKS if name in checks):
        return report, Verdict.NOT_VERIFIED
    return report, Verdict(found.verdict)


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

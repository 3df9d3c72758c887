"""Verifying one credential and describing it for people: the verdict, who issued what
to whom, and each check in plain words."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError

from badges.clr import is_clr
from badges.credential import email_matches_identity
from badges.dates import parse_date_time
from badges.verify import (
    Check,
    VerificationReport,
    verify_credential,
    verify_embedded,
)
from pdhub.errors import InvalidInput
from pdhub.trust import service as trust_service
from pdhub.trust.service import TrustList, TrustMatch
from pdhub.verification import messages
from pdhub.verification.fetcher import (
    DocumentFetcher,
    FetchError,
    MemoFetcher,
    credential_document_url,
    resolver_for,
)
from pdhub.verification.models import RecipientMatch, Verdict

if TYPE_CHECKING:
    from pdhub.credentials.standing import Standing

#: The checks, named for people (English: the API and the batch report's reasons;
#: pages use messages.check_label).
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
    #: The language of the credential's own words (its achievement's inLanguage, a
    #: well-formed BCP 47 tag), so pages mark them up for screen readers.
    language: str | None = None
    criteria: str | None = None
    criteria_url: str | None = None
    hours: str | None = None
    results: list[RubricResult] = field(default_factory=list)
    issued: str | None = None
    valid_until: str | None = None

    @property
    def ends(self) -> datetime | None:
        """``valid_until`` as a moment, to show in the reader's words."""
        try:
            return parse_date_time(self.valid_until) if self.valid_until else None
        except ValueError:
            return None


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
            "identifier": self.identifier,
            "claimedName": self.claimed_name,
            "trusted": self.trusted,
            "trustedName": self.trusted_name,
            "trustList": self.match.source if self.trusted and self.match else None,
        }


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
    recipient_detail: str = "no email address was given to check"
    #: This deployment's record of its own credential, when it added to the checks.
    record: Standing | None = None
    #: For a CLR transcript: the outcome of each credential it holds, verified on
    #: its own (empty for anything else).
    contents: tuple[Outcome, ...] = ()
    is_clr: bool = False

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VERIFIED

    @property
    def readable(self) -> bool:
        """Whether the input was a credential at all (the structure check passed)."""
        return self.report.check("structure").passed

    def labelled_checks(self) -> list[tuple[str, Check]]:
        return [(CHECK_LABELS.get(c.name, c.name), c) for c in self.checks]

    def check_text(self, check: Check) -> str:
        """A check's detail in the reader's language."""
        return messages.check_detail(
            check.name,
            check.passed,
            check.code,
            check.detail,
            credential=self.report.credential,
            report_format=self.report.format,
            issuer=self.issuer.to_json(),
            record=self.record,
        )

    def described_checks(self) -> list[tuple[str, Check, str]]:
        """Each check's name and detail in the reader's language."""
        return [
            (messages.check_label(c.name), c, self.check_text(c)) for c in self.checks
        ]

    def described_reasons(self) -> list[str]:
        """Why it is not verified, in the reader's language."""
        return [
            messages._(
                "%(check)s: %(detail)s",
                check=messages.check_label(c.name),
                detail=self.check_text(c),
            )
            for c in self.checks
            if not c.passed
        ]

    @property
    def recipient_text(self) -> str:
        return messages.recipient_text(self.recipient_detail)

    def to_json(self) -> dict[str, Any]:
        """The API's shape: verified, verdict, each check, the issuer, the recipient."""
        return {
            "verified": self.verified,
            "verdict": self.verdict.value,
            "checks": [check.to_json() for check in self.checks],
            "issuer": self.issuer.to_json(),
            "recipient": {
                "match": self.recipient.value,
                "detail": self.recipient_detail,
            },
            **(
                {"contents": [inner.to_json() for inner in self.contents]}
                if self.is_clr
                else {}
            ),
        }


def default_trust() -> TrustList:
    """The lists an anonymous verifier uses: own identifiers and the platform's."""
    from pdhub.extensions import db

    return trust_service.trust_list(db.session, None)


def verify(
    data: Any,
    *,
    trust: TrustList | None = None,
    fetcher: DocumentFetcher | None = None,
    now: datetime | None = None,
    email: str | None = None,
) -> Outcome:
    """Verify a credential (object, JSON text, VC-JWT, or PNG/SVG bytes); never raises.

    The issuer is judged against ``trust`` (default: this deployment's own
    identifiers and the platform's list). Documents it needs (status lists, did:web)
    come through ``fetcher`` (default: the current app's), each fetched once. A check
    that could not be completed fails. ``email``, when given, is checked against the
    credential's recipient (and used for nothing else: it is neither kept nor logged).
    """
    fetch = MemoFetcher(fetcher or DocumentFetcher.for_app(current_app))
    return verify_with(
        data,
        fetch,
        trust=trust if trust is not None else default_trust(),
        now=now,
        email=email,
    )


def verify_with(
    data: Any,
    fetch: Any,
    *,
    resolver: Any = None,
    trust: TrustList | None = None,
    now: datetime | None = None,
    email: str | None = None,
) -> Outcome:
    """Verify with a given fetch function (and resolver, reused across a batch).

    Without ``trust`` no issuer is trusted.
    """
    resolve = resolver or resolver_for(fetch)
    report = verify_credential(data, resolver=resolve, status_fetcher=fetch, now=now)
    outcome = outcome_of(report, trust, email=email)
    if report.credential is None or not is_clr(report.credential):
        return outcome
    # A CLR transcript: every credential inside is verified on its own, and the
    # transcript is verified only when it and everything it holds are.
    contents = tuple(
        outcome_of(inner, trust, email=email)
        for inner in verify_embedded(
            report.credential, resolver=resolve, status_fetcher=fetch, now=now
        )
    )
    verdict = outcome.verdict
    if verdict is Verdict.VERIFIED and not all(c.verified for c in contents):
        verdict = Verdict.NOT_VERIFIED
    reasons = list(outcome.reasons) + [
        f"credential {number} in the transcript "
        f"({inner.summary.achievement or 'no achievement named'}): "
        f"{inner.verdict.value}"
        + (f" ({'; '.join(inner.reasons)})" if inner.reasons else "")
        for number, inner in enumerate(contents, start=1)
        if not inner.verified
    ]
    return replace(
        outcome, contents=contents, is_clr=True, verdict=verdict, reasons=reasons
    )


#: An expected email address may be this long (RFC 5321's limit on a path).
MAX_EMAIL = 254


def check_email_input(email: object, field: str = "email") -> str | None:
    """The expected email address a verifier gave, trimmed; None when none was.

    Raises InvalidInput when it cannot be an email address.
    """
    if email is None:
        return None
    if not isinstance(email, str):
        raise InvalidInput(
            messages._("The email must be text, like name@school.org."), field=field
        )
    email = email.strip()
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or len(email) > MAX_EMAIL or " " in email:
        raise InvalidInput(
            messages._("Enter the teacher's email address, like name@school.org."),
            field=field,
        )
    return email


def recipient_match(
    credential: Mapping[str, Any] | None, email: str | None
) -> tuple[RecipientMatch, str]:
    """Check ``email`` against the credential's salted email hash (OB 3.0
    IdentityObject), normalized the way issuing normalized it."""
    if not email:
        return RecipientMatch.NOT_CHECKED, "no email address was given to check"
    if not isinstance(credential, Mapping):
        return RecipientMatch.NOT_CHECKED, "the credential could not be read"
    subjects = credential.get("credentialSubject")
    found: bool | None = None
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if isinstance(subject, Mapping):
            matched = email_matches_identity(subject.get("identifier"), email)
            if matched:
                return (
                    RecipientMatch.MATCHES,
                    "the credential was issued to this email address",
                )
            found = found or matched is False
    if found:
        return (
            RecipientMatch.DOES_NOT_MATCH,
            "the credential was issued to a different email address",
        )
    return (
        RecipientMatch.NOT_CHECKED,
        "the credential does not identify its recipient by email address",
    )


#: What a verifier is told when a badge link of this site shows nothing: its page is
#: not shared (a private badge looks the same as a missing one), or the link is wrong.
NOT_SHARED = (
    "This badge is not shared, or the link is not complete. Ask the teacher to "
    "share this badge, or to send you the file, and check it again."
)


def not_shared_text() -> str:
    """NOT_SHARED in the reader's language."""
    return messages._(
        "This badge is not shared, or the link is not complete. Ask the teacher to "
        "share this badge, or to send you the file, and check it again."
    )


def fetch_credential(url: str, fetcher: DocumentFetcher | None = None) -> bytes:
    """Fetch a credential of this site by its page or file URL.

    Raises InvalidInput (field ``url``) when the URL is not this site's or nothing
    shared is there.
    """
    fetcher = fetcher or DocumentFetcher.for_app(current_app)
    url = url.strip()
    if not fetcher.is_local(url):
        raise InvalidInput(
            messages._(
                "Enter the address of a credential on this site; it starts with "
                "%(prefix)s. For other files, upload or paste them.",
                prefix=fetcher.base_url + "/credentials/",
            ),
            field="url",
        )
    try:
        return fetcher(credential_document_url(url))
    except FetchError:
        raise InvalidInput(not_shared_text(), field="url") from None


def outcome_of(
    report: VerificationReport,
    trust: TrustList | None = None,
    *,
    email: str | None = None,
) -> Outcome:
    """Judge a report: verified only when every check passed and a list the verifier
    uses trusts the issuer; otherwise say why. With ``email``, also whether the
    credential was issued to that address.

    For a credential of this deployment, its records add what the signature cannot
    say: the date and public reason of a revocation or suspension, a suspension its
    status list cannot show, and a signing key withdrawn after it leaked.
    """
    record: Standing | None = None
    try:
        report, recorded, record = _with_records(report)
    except SQLAlchemyError:
        # The records could not be read (a command line whose database is down):
        # the report stands on what the credential and its status list say.
        recorded = None
    issuer = judge_issuer(report, trust or TrustList())
    checks = [
        _issuer_check(check, issuer) if check.name == "issuer" else check
        for check in report.checks
    ]
    failed = [check for check in checks if not check.passed]
    reasons = [f"{CHECK_LABELS.get(c.name, c.name)}: {c.detail}" for c in failed]
    verdict = recorded or _verdict(report)
    # A credential in good standing from an issuer on no list is never "verified".
    # Other verdicts (revoked, status not checked...) stand, with the issuer shown
    # as unlisted beside them.
    if verdict is Verdict.VERIFIED and not issuer.trusted:
        verdict = Verdict.UNLISTED_ISSUER
    match, detail = recipient_match(report.credential, email)
    return Outcome(
        report,
        verdict,
        summarize(report.credential),
        reasons,
        checks,
        issuer,
        match,
        detail,
        record,
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
        code = ISSUER_NOT_CHECKED if key_check is None else key_check.code
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
    return check


def _replaced(report: VerificationReport, check: Check) -> VerificationReport:
    checks = [check if c.name == check.name else c for c in report.checks]
    return dataclasses.replace(report, checks=checks)


def _with_records(
    report: VerificationReport,
) -> tuple[VerificationReport, Verdict | None, Standing | None]:
    credential = report.credential
    if credential is None or not has_app_context():
        return report, None, None
    checks = {check.name: check for check in report.checks}
    proof = checks.get("proof")
    if proof is None or not proof.passed:
        return report, None, None
    from pdhub.credentials import standing
    from pdhub.extensions import db

    session = db.session
    status = checks.get("status")
    flagged = status is not None and status.code in _STATUS_VERDICTS
    withdrawn = standing.signed_with_withdrawn_key(session, credential)
    stored = None
    if flagged or withdrawn or standing.needs_record(credential):
        stored = standing.own_credential(session, credential)
    key = standing.key_standing(session, credential, stored) if withdrawn else None
    if key is None and "issuer" in checks and not checks["issuer"].passed:
        return report, None, None
    if key is not None:
        return (
            _replaced(report, Check("issuer", False, key.detail, "key_withdrawn")),
            None,
            key,
        )
    if stored is None or status is None:
        # A revoked workshop badge: its bit is set in a shared suspension list.
        found = standing.workshop_standing(session, credential) if flagged else None
        if found is None:
            return report, None, None
    else:
        from_record = standing.status_standing(stored)
        if from_record is None:
            return report, None, None
        if not (flagged or not from_record.status_list_shows_it):
            # The record says so but the list does not (yet): the list decides.
            return report, None, None
        found = from_record
    report = _replaced(report, Check("status", False, found.detail, found.verdict))
    if any(not checks[name].passed for name in _TRUST_CHECKS if name in checks):
        return report, Verdict.NOT_VERIFIED, found
    return report, Verdict(found.verdict), found


def _verdict(report: VerificationReport) -> Verdict:
    """The verdict, decided on the checks' codes (never on their English details)."""
    if report.verified:
        return Verdict.VERIFIED
    checks = {check.name: check for check in report.checks}
    if any(not checks[name].passed for name in _TRUST_CHECKS if name in checks):
        return Verdict.NOT_VERIFIED
    status = checks.get("status")
    if status is not None and not status.passed:
        # A set bit is "revoked" or "suspended"; a list that could not be read at
        # all is "status not checked" when all else passed; anything else (a list
        # that was read but is forged or malformed) is "not verified".
        if status.code in _STATUS_VERDICTS:
            return _STATUS_VERDICTS[status.code]
        if status.code == "status_unchecked" and all(
            check.passed for check in report.checks if check.name != "status"
        ):
            return Verdict.STATUS_NOT_CHECKED
        return Verdict.NOT_VERIFIED
    validity = checks.get("validity")
    if validity is not None and validity.code == "expired":
        return Verdict.EXPIRED
    return Verdict.NOT_VERIFIED


_STATUS_VERDICTS = {"revoked": Verdict.REVOKED, "suspended": Verdict.SUSPENDED}


# --- describing a credential (untrusted data: every value is checked) ---------------


def _text(value: object, limit: int = 300) -> str | None:
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
        language=_language(achievement.get("inLanguage")),
        criteria=_text(criteria.get("narrative"), 4000),
        criteria_url=_url(criteria.get("id")),
        hours=hours,
        results=_results(subject, achievement),
        issued=_text(credential.get("validFrom") or credential.get("awardedDate"), 40),
        valid_until=_text(credential.get("validUntil"), 40),
    )


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")


def _language(value: Any) -> str | None:
    text = _text(value, 40)
    return text if text and _LANGUAGE_TAG.match(text) else None


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

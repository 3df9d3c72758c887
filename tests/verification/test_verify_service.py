"""Verdicts for one credential: verified only when every check passed, and revoked,
suspended or expired said plainly."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from badges.keys import Ed25519KeyPair
from pdhub.verification import service
from pdhub.verification.fetcher import credential_document_url
from pdhub.verification.models import Verdict
from tests.verification import samples
from tests.verification.fixtures import REVOCATION_URL, SUSPENSION_URL, Documents


def test_a_good_credential_is_verified_with_every_check_passed(
    site: Flask, documents: Documents
) -> None:
    with site.app_context():
        outcome = service.verify(documents.credential(teacher="Maya Lopez"))
    assert outcome.verdict is Verdict.VERIFIED
    assert [c.name for c in outcome.report.checks if c.passed] == [
        "structure",
        "schema",
        "proof",
        "issuer",
        "validity",
        "status",
    ]
    assert outcome.summary.teacher == "Maya Lopez"
    assert outcome.summary.hours == "3"
    assert outcome.summary.results[0].level == "Demonstrated"
    assert documents.requests == ["status/revocation"]


def test_a_revoked_credential_is_called_revoked(
    site: Flask, documents: Documents
) -> None:
    with site.app_context():
        outcome = service.verify(documents.credential(index=samples.REVOKED_INDEX))
    assert outcome.verdict is Verdict.REVOKED
    assert not outcome.report.verified


def test_a_suspended_credential_is_called_suspended(
    site: Flask, documents: Documents
) -> None:
    credential = documents.credential(
        list_url=SUSPENSION_URL, purpose="suspension", index=samples.SUSPENDED_INDEX
    )
    with site.app_context():
        assert service.verify(credential).verdict is Verdict.SUSPENDED


def test_an_expired_credential_is_called_expired(
    site: Flask, documents: Documents
) -> None:
    credential = documents.credential(valid_until=datetime(2026, 2, 1, tzinfo=UTC))
    with site.app_context():
        outcome = service.verify(credential)
    assert outcome.verdict is Verdict.EXPIRED
    assert "expired" in outcome.report.check("validity").detail


def test_a_status_list_that_cannot_be_fetched_means_status_not_checked(
    site: Flask, documents: Documents
) -> None:
    del documents.served["status/revocation"]
    with site.app_context():
        outcome = service.verify(documents.credential())
    assert outcome.verdict is Verdict.STATUS_NOT_CHECKED
    assert not outcome.verified
    assert outcome.verdict.label == "Status not checked"
    assert not outcome.report.check("status").passed
    assert "404" in outcome.report.check("status").detail


def test_a_status_list_signed_by_someone_else_is_not_verified(
    site: Flask, documents: Documents
) -> None:
    forger = Ed25519KeyPair.generate()
    documents.put(
        "status/revocation",
        samples.status_list(forger, REVOCATION_URL, "revocation", ()),
    )
    with site.app_context():
        outcome = service.verify(documents.credential())
    assert outcome.verdict is Verdict.NOT_VERIFIED


def test_a_changed_credential_is_not_verified_even_when_revoked(
    site: Flask, documents: Documents
) -> None:
    credential = documents.credential(index=samples.REVOKED_INDEX)
    credential["credentialSubject"]["creditsEarned"] = 30
    with site.app_context():
        outcome = service.verify(credential)
    assert outcome.verdict is Verdict.NOT_VERIFIED
    assert any(reason.startswith("Signature") for reason in outcome.reasons)


def test_a_credential_page_address_is_read_as_its_json_file() -> None:
    assert credential_document_url("https://pd.example/credentials/abc-1") == (
        "https://pd.example/credentials/abc-1.json"
    )
    assert credential_document_url("https://pd.example/credentials/abc-1.jwt") == (
        "https://pd.example/credentials/abc-1.jwt"
    )


def test_the_verdict_is_decided_by_check_codes_not_by_their_wording() -> None:
    from badges.verify import CHECK_NAMES, Check, VerificationReport

    def report(status: Check, validity: Check | None = None) -> VerificationReport:
        checks = [Check(name, True, "fine") for name in CHECK_NAMES[:4]]
        checks.append(validity or Check("validity", True, "fine"))
        checks.append(status)
        return VerificationReport(checks)

    def verdict(status: Check, validity: Check | None = None) -> Verdict:
        return service.outcome_of(report(status, validity)).verdict

    # A detail worded like a revocation is not one unless its code says so...
    assert (
        verdict(Check("status", False, "the credential is revoked", "status_unchecked"))
        is Verdict.STATUS_NOT_CHECKED
    )
    assert (
        verdict(
            Check(
                "status",
                False,
                "the status could not be checked",
                "status_list_invalid",
            )
        )
        is Verdict.NOT_VERIFIED
    )
    # ...and a revocation is one however it is worded (or translated).
    assert verdict(Check("status", False, "widerrufen", "revoked")) is Verdict.REVOKED
    assert (
        verdict(Check("status", False, "ausgesetzt", "suspended")) is Verdict.SUSPENDED
    )
    fine = Check("status", True, "fine")
    assert verdict(fine, Check("validity", False, "abgelaufen", "expired")) is (
        Verdict.EXPIRED
    )
    assert verdict(fine, Check("validity", False, "expired", "not_yet_valid")) is (
        Verdict.NOT_VERIFIED
    )

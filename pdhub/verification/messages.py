"""Verification results in the reader's language.

The badges library and the verification service describe each check in English,
with a machine-readable code beside it (``badges.verify.CHECK_CODES``). Pages, CSV
files and the batch report read them through here: a check's name and code become
a sentence in the request's language. In English the check's own detail is shown
as it is (it names keys, addresses and dates exactly); in another language the
sentence is chosen by code, never by parsing the English, with the identifiers and
dates it needs taken from the credential or the records.

Celery workers also describe checks (a batch's CSV, its signed report) with an app
context but no request: there, and wherever no language was asked for, everything
is English; ``in_language`` chooses one explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext

from badges.clr import is_clr
from badges.dates import parse_date_time

_forced: ContextVar[str | None] = ContextVar(
    "pdhub_verification_language", default=None
)


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Describe results in ``language`` inside the block (also in a worker)."""
    token = _forced.set(language)
    try:
        with force_locale(language):
            yield
    finally:
        _forced.reset(token)


def language() -> str:
    """The language results are described in: the forced one, else the request's,
    else English."""
    forced = _forced.get()
    if forced:
        return forced
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return str(locale.language)
    return "en"


def _(message: str, **variables: Any) -> str:
    """gettext that also works in a worker (English there, unless forced)."""
    if language() == "en":
        return message % variables if variables else message
    return str(_gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """ngettext that also works in a worker (English there, unless forced)."""
    if language() == "en":
        return (singular if num == 1 else plural) % {"num": num, **variables}
    return str(_ngettext(singular, plural, num, **variables))


def check_label(name: str) -> str:
    """A check's name, for people."""
    labels = {
        "structure": _("Readable credential"),
        "schema": _("Open Badges 3.0 format"),
        "proof": _("Signature"),
        "issuer": _("Issuer"),
        "validity": _("Dates"),
        "status": _("Revocation and suspension"),
    }
    return labels.get(name, name)


def _format_name(kind: str) -> str:
    return {
        "json": _("a well-formed credential in JSON"),
        "jwt": _("a well-formed VC-JWT"),
        "png": _("a well-formed credential baked in a PNG"),
        "svg": _("a well-formed credential baked in an SVG"),
        "png-jwt": _("a well-formed VC-JWT baked in a PNG"),
        "svg-jwt": _("a well-formed VC-JWT baked in an SVG"),
    }.get(kind, _("a well-formed credential"))


def _date(value: Any) -> str | None:
    """A credential's date in the reader's words (None when it is not a date)."""
    if not isinstance(value, str):
        return None
    try:
        moment = parse_date_time(value)
    except ValueError:
        return value[:40]
    from flask_babel import format_datetime

    return str(format_datetime(moment, "medium"))


def _technical(text: str, detail: str) -> str:
    """A sentence in the reader's language, then the library's exact words."""
    if not detail:
        return text
    return _("%(text)s Technical detail: %(detail)s", text=text, detail=detail)


#: Failed checks' messages by code: the reader's sentence; the English detail
#: follows as a technical note when it adds something specific.
def _failure(code: str) -> tuple[str, bool] | None:
    return {
        "failed": (_("The check failed."), True),
        "not_checked": (_("Not checked, because an earlier check failed."), False),
        "unreadable": (
            _(
                "It is neither JSON, a VC-JWT nor a badge image with a credential "
                "inside."
            ),
            True,
        ),
        "too_large": (
            _("The file is too large or too deeply nested to be a credential."),
            True,
        ),
        "schema_mismatch": (
            _("The credential does not follow the Open Badges 3.0 format."),
            True,
        ),
        "jwt_invalid": (
            _("The JWT's header or claims do not follow Open Badges 3.0."),
            True,
        ),
        "jwt_claim_mismatch": (
            _("A claim of the JWT does not agree with the credential inside it."),
            True,
        ),
        "proof_missing": (
            _("The credential carries no signature this verifier can check."),
            True,
        ),
        "proof_invalid": (
            _(
                "The signature does not verify: the credential was changed after it "
                "was signed, or it was not signed by the key it names."
            ),
            True,
        ),
        "proof_purpose": (
            _("No signature on it was made to issue credentials."),
            False,
        ),
        "key_unresolved": (
            _("The key that signed the credential could not be found."),
            True,
        ),
        "key_not_issuers": (
            _("The key that signed the credential does not belong to its issuer."),
            True,
        ),
        "not_yet_valid": (_("The credential is not valid yet."), False),
        "dates_invalid": (
            _(
                "The credential's validity dates are malformed or contradict each "
                "other."
            ),
            True,
        ),
        "revoked": (_("The issuer has revoked the credential."), False),
        "suspended": (_("The issuer has suspended the credential."), False),
        "status_flagged": (
            _("The issuer has flagged the credential on its status list."),
            True,
        ),
        "status_unchecked": (
            _(
                "The revocation status could not be checked: the issuer's status list "
                "could not be read."
            ),
            True,
        ),
        "status_list_invalid": (
            _(
                "The issuer's status list was read but cannot be trusted (it is "
                "forged, changed or expired)."
            ),
            True,
        ),
    }.get(code)


def check_detail(
    name: str,
    passed: bool,
    code: str,
    detail: str,
    *,
    credential: Mapping[str, Any] | None = None,
    report_format: str = "unknown",
    issuer: Mapping[str, Any] | None = None,
    record: Any = None,
) -> str:
    """One check's detail in the reader's language.

    ``issuer`` is the trust judgement as the API states it (identifier, claimedName,
    trustedName, trustList); ``record`` this deployment's Standing of its own
    credential (revoked or suspended, when and why; a withdrawn key).
    """
    if language() == "en":
        return detail
    credential = credential if isinstance(credential, Mapping) else {}
    issuer = issuer or {}
    if name == "structure" and passed:
        return _format_name(report_format)
    if name == "schema" and passed:
        if is_clr(credential):
            return _(
                "It follows the 1EdTech Comprehensive Learner Record 2.0 format; each "
                "credential inside it is checked on its own below."
            )
        return _("It follows the official Open Badges 3.0 format.")
    if name == "proof" and passed:
        return _(
            "The digital signature verifies: nobody has changed the credential since "
            "it was signed."
        )
    if name == "issuer":
        identifier = issuer.get("identifier") or ""
        if code == "trusted" and issuer.get("trustedName"):
            return _(
                "Signed by %(identifier)s, trusted as “%(name)s” through %(list)s.",
                identifier=identifier,
                name=issuer["trustedName"],
                list=list_label(str(issuer.get("trustList") or "")),
            )
        if code == "not_listed":
            text = _(
                "The signature is valid, but the issuer %(identifier)s is on no trust "
                "list you use.",
                identifier=identifier,
            )
            if issuer.get("claimedName"):
                text += " " + _(
                    "It calls itself “%(name)s”, which nobody has confirmed.",
                    name=issuer["claimedName"],
                )
            return text
        if code == "key_withdrawn":
            if record is not None and getattr(record, "at", None) is not None:
                return _(
                    "Signed with a key of PD Hub's that was withdrawn because it "
                    "leaked on %(date)s: a credential it signed from then on may be "
                    "forged, so it is not trusted. Ask the teacher for a reissued "
                    "badge.",
                    date=_moment(record.at),
                )
            return _(
                "Signed with a key that was withdrawn because it leaked: the "
                "credential is not trusted. Ask the teacher for a reissued badge."
            )
        if passed:
            return _("The key that signed it belongs to the issuer.")
    if name == "validity":
        start = _date(credential.get("validFrom"))
        end = _date(credential.get("validUntil"))
        if passed:
            if start and end:
                return _("Valid from %(start)s until %(end)s.", start=start, end=end)
            if start:
                return _("Valid since %(start)s.", start=start)
            return _("The dates are in order.")
        if code == "expired" and end:
            return _("The credential expired on %(date)s.", date=end)
        if code == "not_yet_valid" and start:
            return _("The credential is not valid until %(date)s.", date=start)
    if name == "status":
        if passed:
            if not credential.get("credentialStatus"):
                return _("The credential has no status entry, so it cannot be revoked.")
            return _(
                "Neither revoked nor suspended (the issuer's status list says so)."
            )
        if code in ("revoked", "suspended") and record is not None:
            return standing_text(record)
    failure = _failure(code)
    if failure is None:
        return detail
    text, technical = failure
    return _technical(text, detail) if technical else text


def _moment(moment: Any) -> str:
    from flask_babel import format_datetime

    return str(format_datetime(moment, "medium"))


def standing_text(record: Any) -> str:
    """A revocation or suspension this deployment recorded, when and why."""
    revoked = record.verdict == "revoked"
    if record.reason:
        if revoked:
            return _(
                "Revoked by PD Hub on %(date)s. Reason: %(reason)s",
                date=_moment(record.at),
                reason=record.reason,
            )
        return _(
            "Suspended by PD Hub on %(date)s. Reason: %(reason)s",
            date=_moment(record.at),
            reason=record.reason,
        )
    if revoked:
        return _("Revoked by PD Hub on %(date)s.", date=_moment(record.at))
    return _("Suspended by PD Hub on %(date)s.", date=_moment(record.at))


def list_label(source: str) -> str:
    """Where a trusted name comes from, in words a verifier reads."""
    return {
        "own": _("this deployment's own issuer keys"),
        "platform": _("PD Hub's trust list"),
        "district": _("your district's trust list"),
        "command_line": _("the issuers you gave on the command line"),
    }.get(source, source)


def recipient_text(detail: str) -> str:
    """The recipient check's detail (one of the service's fixed sentences)."""
    return {
        "no email address was given to check": _("no email address was given to check"),
        "the credential could not be read": _("the credential could not be read"),
        "the credential was issued to this email address": _(
            "the credential was issued to this email address"
        ),
        "the credential was issued to a different email address": _(
            "the credential was issued to a different email address"
        ),
        "the credential does not identify its recipient by email address": _(
            "the credential does not identify its recipient by email address"
        ),
    }.get(detail, detail)


def stored_reasons(
    checks: list[Mapping[str, Any]], issuer: Mapping[str, Any] | None = None
) -> list[str]:
    """A batch item's reasons from its stored checks, in the reader's language."""
    return [
        _(
            "%(check)s: %(detail)s",
            check=check_label(str(check.get("name"))),
            detail=check_detail(
                str(check.get("name")),
                False,
                str(check.get("code")),
                str(check.get("detail") or ""),
                issuer=issuer,
            ),
        )
        for check in checks
        if not check.get("passed")
    ]

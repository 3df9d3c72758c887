"""Verification of an Open Badges 3.0 credential, each check reported on its own.

``verify_credential`` takes what a verifier is handed (a credential object, its
JSON text, a VC-JWT, or the bytes of a baked PNG or SVG) and answers with a
report: "structure", "schema", "proof", "issuer", "validity" and "status", each
passed or not with a plain-language detail and a machine-readable ``code``
(one of CHECK_CODES: callers decide on codes, never on the English detail).
It never raises: hostile input
(huge, deeply nested, poison blank-node graphs, non-UTF-8, wrong types) gives a
failed check quickly.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache

from badges.baking import extract, is_png, is_svg
from badges.clr import embedded_credentials, is_clr
from badges.clr import shape_problems as clr_shape_problems
from badges.dates import parse_date_time
from badges.dids import ASSERTION_METHOD, Resolver, VerificationKey
from badges.documents import CREDENTIALS_V2
from badges.errors import BadgeError
from badges.jwt import DecodedJwt, decode_jwt, looks_like_jwt, verify_jwt_signature
from badges.limits import DEFAULT_LIMITS, Limits, check_json_shape, parse_json_text
from badges.proofs import verify_proof_set
from badges.schema import ENDORSEMENT_CREDENTIAL_SCHEMA, schema_errors
from badges.status import (
    StatusReading,
    entries_of,
    parse_entry,
    read_status,
    verify_status_list_credential,
)

StatusFetcher = Callable[[str], Any]
"""Fetch a status list credential by URL: its JSON (parsed, text or bytes)."""

CHECK_NAMES = ("structure", "schema", "proof", "issuer", "validity", "status")

#: The machine-readable outcome of a check, what callers decide on.
CHECK_CODES = {
    "ok": "the check passed",
    "failed": "the check failed (no more specific code applies)",
    "not_checked": "not checked, because an earlier check failed",
    "unreadable": "the input is not a credential that can be read",
    "too_large": "the input exceeds a size, depth or work limit",
    "schema_mismatch": "the credential does not match the OB 3.0 schema",
    "jwt_invalid": "the VC-JWT's header or claims break OB 3.0 §8.2",
    "jwt_claim_mismatch": "a VC-JWT registered claim disagrees with the credential",
    "proof_missing": "no proof this verifier supports is present",
    "proof_invalid": "a supported proof or the JWT signature does not verify",
    "proof_purpose": "a proof is not made for assertionMethod",
    "key_unresolved": "the signing key could not be resolved",
    "key_not_issuers": "the signing key does not belong to the issuer",
    # Set by a caller that judges the issuer against its trust lists (PD Hub's).
    "trusted": "the issuer is on a trust list the verifier uses",
    "not_listed": "a valid signature by an issuer on no trust list the verifier uses",
    "key_withdrawn": "the issuer withdrew the signing key (it leaked) before signing",
    "not_yet_valid": "the credential is not valid yet",
    "expired": "the credential has expired",
    "dates_invalid": "the validity dates are malformed or inconsistent",
    "revoked": "the credential is revoked",
    "suspended": "the credential is suspended",
    "status_flagged": "a status bit of another purpose is set",
    "status_unchecked": "the status could not be checked: no list could be read",
    "status_list_invalid": "a status list was read and found bad (forged, expired)",
}

STATUS_NOT_CHECKED = "the status could not be checked"
"""How a status check's detail begins when no list could be read (nothing is known
of the credential's status, unlike a list that was read and found bad); its code
is "status_unchecked"."""


@dataclass(frozen=True)
class Check:
    """One verification check: its name, whether it passed, why, and its code.

    ``code`` is one of CHECK_CODES; when not given it is "ok" for a passed
    check and "failed" for a failed one.
    """

    name: str
    passed: bool
    detail: str
    code: str = ""

    def __post_init__(self) -> None:
        if not self.code:
            object.__setattr__(self, "code", "ok" if self.passed else "failed")
        if self.code not in CHECK_CODES:
            raise ValueError(f"unknown check code {self.code!r}")

    def to_json(self) -> dict[str, Any]:
        """Serialize as {name, passed, code, detail}."""
        return {
            "name": self.name,
            "passed": self.passed,
            "code": self.code,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class VerificationReport:
    """The outcome: verified only when every check passed."""

    checks: list[Check]
    credential: dict[str, Any] | None = None
    format: str = "unknown"
    verified: bool = field(init=False)

    def __post_init__(self) -> None:
        names = [check.name for check in self.checks]
        verified = names == list(CHECK_NAMES) and all(c.passed for c in self.checks)
        object.__setattr__(self, "verified", verified)

    def check(self, name: str) -> Check:
        """Return the check called ``name``; raises KeyError if there is none."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """Serialize as the public API shape {verified, checks: [...]}."""
        return {
            "verified": self.verified,
            "checks": [check.to_json() for check in self.checks],
        }


class _Failed(BadgeError):
    """A check failed; the message is the plain-language detail, ``code`` its code."""


@dataclass
class _Input:
    credential: dict[str, Any]
    format: str
    jwt: DecodedJwt | None = None


def verify_credential(
    data: Any,
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerificationReport:
    """Verify a credential and report each check (DESIGN.md §5, OB 3.0 §9).

    ``data`` is a credential object (dict), JSON text, a VC-JWT string, or the
    bytes of any of these or of a baked PNG/SVG. Keys are resolved through
    ``resolver``; status list credentials are fetched with ``status_fetcher``.
    ``now`` (aware; default: the current time) is the moment validity is judged
    at. Never raises: every problem becomes a failed check.
    """
    moment = now if now is not None else datetime.now(UTC)
    checks: list[Check] = []
    try:
        parsed = _read(data, limits)
        _check_structure(parsed.credential, limits)
    except Exception as exc:  # any failure to read the input is a verdict
        checks.append(Check("structure", False, _detail(exc), _code(exc, "unreadable")))
        for name in CHECK_NAMES[1:]:
            checks.append(
                Check(
                    name,
                    False,
                    "not checked: the credential could not be read",
                    "not_checked",
                )
            )
        return VerificationReport(checks)
    credential = parsed.credential
    checks.append(
        Check("structure", True, f"a well-formed {_FORMAT_NAMES[parsed.format]}")
    )
    checks.append(_run("schema", lambda: _check_schema(credential), "schema_mismatch"))
    keys: list[VerificationKey] = []
    checks.append(
        _run(
            "proof",
            lambda: _check_proof(parsed, resolver, limits, keys),
            "proof_invalid",
        )
    )
    checks.append(
        _run("issuer", lambda: _check_issuer(credential, keys), "key_not_issuers")
    )
    checks.append(
        _run(
            "validity",
            lambda: _check_validity(credential, moment, parsed.jwt),
            "dates_invalid",
        )
    )
    checks.append(
        _run(
            "status",
            lambda: _check_status(credential, resolver, status_fetcher, moment, limits),
            "status_list_invalid",
        )
    )
    return VerificationReport(checks, credential, parsed.format)


def verify_embedded(
    credential: Mapping[str, Any] | None,
    *,
    resolver: Resolver,
    status_fetcher: StatusFetcher | None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[VerificationReport]:
    """Verify every credential a CLR carries, each on its own (its own proof, issuer,
    dates and status); empty for anything that is not a ClrCredential."""
    if credential is None or not is_clr(credential):
        return []
    return [
        verify_credential(
            item if isinstance(item, Mapping) else json.dumps(item),
            resolver=resolver,
            status_fetcher=status_fetcher,
            now=now,
            limits=limits,
        )
        for item in embedded_credentials(credential)
    ]


_FORMAT_NAMES = {
    "json": "credential in JSON",
    "jwt": "VC-JWT",
    "png": "credential baked in a PNG",
    "svg": "credential baked in an SVG",
    "png-jwt": "VC-JWT baked in a PNG",
    "svg-jwt": "VC-JWT baked in an SVG",
}


def _run(name: str, check: Callable[[], str], failure_code: str) -> Check:
    try:
        return Check(name, True, check(), "ok")
    except Exception as exc:  # a check that cannot complete has failed
        return Check(name, False, _detail(exc), _code(exc, failure_code))


def _code(error: BaseException, default: str) -> str:
    """The code of a failure: the one it carries, or the failing check's."""
    if isinstance(error, BadgeError) and error.code != "failed":
        return error.code
    if isinstance(error, RecursionError):
        return "too_large"
    return default


def _detail(error: BaseException) -> str:
    if isinstance(error, _Failed | BadgeError | ValueError | TypeError):
        text = str(error)
    elif isinstance(error, RecursionError):
        text = "the input is nested too deeply"
    else:
        text = f"unexpected {type(error).__name__}: {error}"
    return text[:500] or type(error).__name__


# --- reading ------------------------------------------------------------------


def _read(data: Any, limits: Limits) -> _Input:
    if isinstance(data, Mapping):
        check_json_shape(data, limits)
        return _Input(dict(data), "json")
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if is_png(raw) or (is_svg(raw) and not raw.lstrip().startswith(b"{")):
            kind = "png" if is_png(raw) else "svg"
            inner = _read_text(extract(raw, limits), limits)
            inner.format = kind if inner.format == "json" else f"{kind}-jwt"
            return inner
        if len(raw) > limits.max_bytes:
            raise _Failed(
                f"the input is larger than {limits.max_bytes} bytes", "too_large"
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Failed("the input is neither a PNG, an SVG nor UTF-8 text") from exc
        return _read_text(text, limits)
    if isinstance(data, str):
        return _read_text(data, limits)
    raise _Failed(
        f"a credential is given as an object, JSON text, a VC-JWT or image bytes, "
        f"not {type(data).__name__}"
    )


def _read_text(text: str, limits: Limits) -> _Input:
    if len(text) > limits.max_bytes:
        raise _Failed(f"the input is larger than {limits.max_bytes} bytes", "too_large")
    stripped = text.strip()
    if looks_like_jwt(stripped):
        decoded = decode_jwt(stripped, limits)
        return _Input(decoded.credential, "jwt", decoded)
    if stripped.startswith("{"):
        value = parse_json_text(stripped, limits)
        if not isinstance(value, dict):  # pragma: no cover - "{" starts an object
            raise _Failed("the JSON is not an object")
        return _Input(value, "json")
    raise _Failed("the input is neither JSON nor a VC-JWT")


def _check_structure(credential: Mapping[str, Any], limits: Limits) -> None:
    # VC 2.0 §4 basics, before anything costly runs on the document.
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != CREDENTIALS_V2:
        raise _Failed(f"@context must be a list starting with {CREDENTIALS_V2}")
    types = credential.get("type")
    if not isinstance(types, list | str) or "VerifiableCredential" not in types:
        raise _Failed("type must include VerifiableCredential")
    if _issuer_id(credential) is None:
        raise _Failed("issuer must be a URL or an object with an id")
    if not isinstance(credential.get("credentialSubject"), Mapping | list):
        raise _Failed("credentialSubject is missing")
    if not isinstance(credential.get("validFrom"), str):
        raise _Failed("validFrom is missing")
    if "id" in credential and not isinstance(credential["id"], str):
        raise _Failed("id must be a string")


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


# --- checks -------------------------------------------------------------------


def _check_schema(credential: Mapping[str, Any]) -> str:
    if is_clr(credential):
        clr_problems = clr_shape_problems(credential)
        if clr_problems:
            raise _Failed(
                "is not a well-formed CLR 2.0 ClrCredential: "
                + "; ".join(clr_problems),
                "schema_mismatch",
            )
        count = len(embedded_credentials(credential))
        return (
            f"a well-formed CLR 2.0 ClrCredential holding {count} credential(s), "
            "each checked on its own"
        )
    # The proof is judged by the proof check; the strict schema wants an
    # array there while single proof objects are common and valid JSON-LD.
    document = {k: v for k, v in credential.items() if k != "proof"}
    types = credential.get("type")
    if isinstance(types, list) and "EndorsementCredential" in types:
        problems = schema_errors(document, ENDORSEMENT_CREDENTIAL_SCHEMA)
        if problems:
            raise _Failed(
                "does not match the Open Badges 3.0 schema: " + "; ".join(problems)
            )
        return "matches the official Open Badges 3.0 EndorsementCredential schema"
    problems = schema_errors(document)
    if problems:
        raise _Failed(
            "does not match the Open Badges 3.0 schema: " + "; ".join(problems)
        )
    return "matches the official Open Badges 3.0 AchievementCredential schema"


def _check_proof(
    parsed: _Input, resolver: Resolver, limits: Limits, keys: list[VerificationKey]
) -> str:
    if parsed.jwt is not None:
        verified = verify_jwt_signature(parsed.jwt, resolver)
        keys.append(verified.key)
        return f"the VC-JWT (EdDSA) signature by {verified.key.id} verifies"
    proof_set = verify_proof_set(parsed.credential, resolver, limits)
    # OB 3.0 / VC Data Integrity: one verified assertion proof is enough; proofs
    # for other purposes or of kinds not supported here do not count.
    usable = [r for r in proof_set.verified if r.purpose == ASSERTION_METHOD]
    if not usable:
        raise _Failed("no proof is made for assertionMethod", "proof_purpose")
    keys.extend(result.key for result in usable)
    described = ", ".join(f"{r.proof_type} by {r.key.id}" for r in usable)
    notes = ""
    ignored = len(proof_set.verified) - len(usable)
    if proof_set.unsupported:
        notes += f"; not checked (unsupported): {', '.join(proof_set.unsupported)}"
    if proof_set.failed:
        notes += f"; {len(proof_set.failed)} other proof(s) did not verify"
    if ignored:
        notes += f"; {ignored} proof(s) not made for assertionMethod"
    return f"the proof verifies: {described}{notes}"


def _check_issuer(credential: Mapping[str, Any], keys: list[VerificationKey]) -> str:
    if not keys:
        raise _Failed("not checked: no proof verified", "not_checked")
    issuer = _issuer_id(credential)
    problems: list[str] = []
    for key in keys:
        if key.controller != issuer:
            problems.append(
                f"the signing key {key.id} is controlled by {key.controller}, "
                f"not by the issuer {issuer}"
            )
        elif not key.authorized_for(ASSERTION_METHOD):
            problems.append(
                f"the issuer's document does not list {key.id} for assertionMethod"
            )
        else:
            return f"the signing key belongs to the issuer {issuer}"
    raise _Failed("; ".join(problems), "key_not_issuers")


def _check_validity(
    credential: Mapping[str, Any], now: datetime, jwt: DecodedJwt | None = None
) -> str:
    try:
        valid_from = parse_date_time(credential.get("validFrom"))
        valid_until = (
            parse_date_time(credential["validUntil"])
            if "validUntil" in credential
            else None
        )
    except ValueError as exc:
        raise _Failed(f"a validity date is malformed: {exc}", "dates_invalid") from exc
    if valid_until is not None and valid_until < valid_from:
        raise _Failed("validUntil is before validFrom", "dates_invalid")
    if now < valid_from:
        raise _Failed(
            f"not valid yet: valid from {credential['validFrom']}", "not_yet_valid"
        )
    if valid_until is not None and now > valid_until:
        raise _Failed(f"expired on {credential['validUntil']}", "expired")
    if valid_until is None and jwt is not None and "exp" in jwt.claims:
        # OB 3.0 §8.2: a VC-JWT may expire (exp) although its credential has no
        # validUntil; the token's expiry then bounds it.
        expires = datetime.fromtimestamp(jwt.claims["exp"], UTC)
        ends = expires.isoformat().replace("+00:00", "Z")
        if expires < valid_from:
            raise _Failed("the JWT exp claim is before validFrom", "dates_invalid")
        if now > expires:
            raise _Failed(f"expired on {ends} (the JWT exp claim)", "expired")
        return f"valid from {credential['validFrom']} until {ends} (the JWT exp claim)"
    if valid_until is None:
        return f"valid since {credential['validFrom']}, with no end date"
    return f"valid from {credential['validFrom']} until {credential['validUntil']}"


def _check_status(
    credential: Mapping[str, Any],
    resolver: Resolver,
    fetcher: StatusFetcher | None,
    now: datetime,
    limits: Limits,
) -> str:
    entries = entries_of(credential)
    if not entries:
        return "the credential has no status entry, so it cannot be revoked"
    issuer = _issuer_id(credential)
    if issuer is None:  # pragma: no cover - the structure check requires one
        raise _Failed("the credential has no issuer")
    readings: list[StatusReading] = []
    for entry in entries:
        url, _, _ = parse_entry(entry)
        if fetcher is None:
            raise _Failed(
                f"{STATUS_NOT_CHECKED}: no status fetcher is set", "status_unchecked"
            )
        list_credential, digest = _fetch_status_list(fetcher, url, limits)
        _verified_list(list_credential, digest, resolver, issuer, now, limits)
        readings.append(read_status(list_credential, entry))
    flagged = [reading for reading in readings if reading.is_set]
    if flagged:
        purposes = {reading.purpose for reading in flagged}
        code = (
            "revoked"
            if "revocation" in purposes
            else "suspended"
            if "suspension" in purposes
            else "status_flagged"
        )
        raise _Failed(
            "the credential is " + " and ".join(r.describe() for r in flagged), code
        )
    return "; ".join(reading.describe() for reading in readings)


# Status list credentials parsed from the text a fetcher returned, by a digest of
# that text (and the limits they were checked against): a verifier reads the same
# list for every credential that points at it. Never handed out of this module,
# and only read, so sharing one parsed object is safe. Bounded by the text's size.
_PARSED_LISTS_BYTES = 32 * 1024 * 1024
_PARSED_LISTS: LRUCache[tuple[bytes, Limits], tuple[int, dict[str, Any]]] = LRUCache(
    maxsize=_PARSED_LISTS_BYTES, getsizeof=lambda found: found[0]
)
_PARSED_LISTS_LOCK = threading.Lock()


def _fetch_status_list(
    fetcher: StatusFetcher, url: str, limits: Limits
) -> tuple[dict[str, Any], bytes]:
    """The list credential at ``url`` and a digest of its content."""
    try:
        fetched = fetcher(url)
    except Exception as exc:  # the fetcher is caller code
        raise _Failed(
            f"{STATUS_NOT_CHECKED}: the status list {url} could not be fetched: {exc}",
            "status_unchecked",
        ) from exc
    if isinstance(fetched, str | bytes):
        raw = fetched.encode("utf-8") if isinstance(fetched, str) else fetched
        digest = hashlib.sha256(b"text\n" + raw).digest()
        with _PARSED_LISTS_LOCK:
            found = _PARSED_LISTS.get((digest, limits))
        if found is not None:
            return found[1], digest
        parsed = parse_json_text(fetched, limits)
        if not isinstance(parsed, dict):
            raise _Failed(f"the status list {url} is not a JSON object")
        check_json_shape(parsed, limits)
        if len(raw) <= _PARSED_LISTS_BYTES:
            with _PARSED_LISTS_LOCK:
                _PARSED_LISTS[(digest, limits)] = (len(raw), parsed)
        return parsed, digest
    if not isinstance(fetched, dict):
        raise _Failed(f"the status list {url} is not a JSON object")
    check_json_shape(fetched, limits)
    # An object may be changed by its owner between calls: digest its content.
    canonical_json = json.dumps(fetched, sort_keys=True)
    return fetched, hashlib.sha256(b"json\n" + canonical_json.encode()).digest()


# Status list credentials whose proofs verified, by issuer, content digest and
# limits, with the keys the proofs verified with. A list is verified once per
# version: a changed list (a bit flipped, re-signed) has another digest. A hit
# still resolves each proof's key through the caller's resolver and must find
# the very keys that verified (same id, controller, bytes, relationships), so a
# resolver that no longer lists a key, or lists another one, is never skipped past.
_VERIFIED_LISTS: LRUCache[
    tuple[str, bytes, Limits], tuple[float, tuple[VerificationKey, ...]]
] = LRUCache(maxsize=256)
_VERIFIED_LISTS_LOCK = threading.Lock()
_VERIFIED_LIST_TTL = 300.0


def _verified_list(
    list_credential: Mapping[str, Any],
    digest: bytes,
    resolver: Resolver,
    issuer: str,
    now: datetime,
    limits: Limits,
) -> None:
    key = (issuer, digest, limits)
    with _VERIFIED_LISTS_LOCK:
        found = _VERIFIED_LISTS.get(key)
    if (
        found is not None
        and time.monotonic() - found[0] <= _VERIFIED_LIST_TTL
        and _same_keys(list_credential, resolver, found[1])
    ):
        # The proof is known good with these keys; the window depends on now.
        _check_list_window(list_credential, now)
        return
    keys = verify_status_list_credential(
        list_credential, resolver, issuer_id=issuer, now=now, limits=limits
    )
    with _VERIFIED_LISTS_LOCK:
        _VERIFIED_LISTS[key] = (time.monotonic(), tuple(keys))


def _same_keys(
    list_credential: Mapping[str, Any],
    resolver: Resolver,
    keys: tuple[VerificationKey, ...],
) -> bool:
    proof = list_credential.get("proof")
    proofs = [proof] if isinstance(proof, Mapping) else proof
    if not isinstance(proofs, list) or len(proofs) != len(keys):
        return False
    try:
        resolved = tuple(
            resolver.resolve(item.get("verificationMethod")) for item in proofs
        )
    except Exception:  # noqa: BLE001 - the full check reports why
        return False
    return resolved == keys


def _check_list_window(list_credential: Mapping[str, Any], now: datetime) -> None:
    valid_from = parse_date_time(list_credential.get("validFrom"))
    valid_until = list_credential.get("validUntil")
    if now < valid_from or (
        valid_until is not None and now > parse_date_time(valid_until)
    ):
        raise _Failed("the status list is not valid at this time")

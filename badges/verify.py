"""Verification of an Open Badges 3.0 credential, each check reported on its own.

``verify_credential`` takes what a verifier is handed (a credential object, its
JSON text, a VC-JWT, or the bytes of a baked PNG or SVG) and answers with a
report: "structure", "schema", "proof", "issuer", "validity" and "status", each
passed or not with a plain-language detail. It never raises: hostile input
(huge, deeply nested, poison blank-node graphs, non-UTF-8, wrong types) gives a
failed check quickly.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from badges.baking import extract, is_png, is_svg
from badges.dates import parse_date_time
from badges.dids import ASSERTION_METHOD, Resolver, VerificationKey
from badges.documents import CREDENTIALS_V2
from badges.errors import BadgeError
from badges.jwt import DecodedJwt, decode_jwt, looks_like_jwt, verify_jwt_signature
from badges.limits import DEFAULT_LIMITS, Limits, check_json_shape, parse_json_text
from badges.proofs import verify_proofs
from badges.schema import schema_errors
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

STATUS_NOT_CHECKED = "the status could not be checked"
"""How a status check's detail begins when no list could be read (nothing is known
of the credential's status, unlike a list that was read and found bad)."""


@dataclass(frozen=True)
class Check:
    """One verification check: its name, whether it passed, and why."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        """Serialize as {name, passed, detail}."""
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


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


class _Failed(Exception):
    """A check failed; the message is the plain-language detail."""


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
        checks.append(Check("structure", False, _detail(exc)))
        for name in CHECK_NAMES[1:]:
            checks.append(
                Check(name, False, "not checked: the credential could not be read")
            )
        return VerificationReport(checks)
    credential = parsed.credential
    checks.append(
        Check("structure", True, f"a well-formed {_FORMAT_NAMES[parsed.format]}")
    )
    checks.append(_run("schema", lambda: _check_schema(credential)))
    keys: list[VerificationKey] = []
    checks.append(_run("proof", lambda: _check_proof(parsed, resolver, limits, keys)))
    checks.append(_run("issuer", lambda: _check_issuer(credential, keys)))
    checks.append(_run("validity", lambda: _check_validity(credential, moment)))
    checks.append(
        _run(
            "status",
            lambda: _check_status(credential, resolver, status_fetcher, moment, limits),
        )
    )
    return VerificationReport(checks, credential, parsed.format)


_FORMAT_NAMES = {
    "json": "credential in JSON",
    "jwt": "VC-JWT",
    "png": "credential baked in a PNG",
    "svg": "credential baked in an SVG",
    "png-jwt": "VC-JWT baked in a PNG",
    "svg-jwt": "VC-JWT baked in an SVG",
}


def _run(name: str, check: Callable[[], str]) -> Check:
    try:
        return Check(name, True, check())
    except Exception as exc:  # a check that cannot complete has failed
        return Check(name, False, _detail(exc))


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
            raise _Failed(f"the input is larger than {limits.max_bytes} bytes")
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
        raise _Failed(f"the input is larger than {limits.max_bytes} bytes")
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
    # The proof is judged by the proof check; the strict schema wants an
    # array there while single proof objects are common and valid JSON-LD.
    document = {k: v for k, v in credential.items() if k != "proof"}
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
    results = verify_proofs(parsed.credential, resolver, limits)
    keys.extend(result.key for result in results)
    described = ", ".join(f"{r.proof_type} by {r.key.id}" for r in results)
    if any(result.purpose != ASSERTION_METHOD for result in results):
        raise _Failed("a proof is not made for assertionMethod")
    return f"the proof verifies: {described}"


def _check_issuer(credential: Mapping[str, Any], keys: list[VerificationKey]) -> str:
    if not keys:
        raise _Failed("not checked: no proof verified")
    issuer = _issuer_id(credential)
    for key in keys:
        if key.controller != issuer:
            raise _Failed(
                f"the signing key {key.id} is controlled by {key.controller}, "
                f"not by the issuer {issuer}"
            )
        if not key.authorized_for(ASSERTION_METHOD):
            raise _Failed(
                f"the issuer's document does not list {key.id} for assertionMethod"
            )
    return f"the signing key belongs to the issuer {issuer}"


def _check_validity(credential: Mapping[str, Any], now: datetime) -> str:
    try:
        valid_from = parse_date_time(credential.get("validFrom"))
        valid_until = (
            parse_date_time(credential["validUntil"])
            if "validUntil" in credential
            else None
        )
    except ValueError as exc:
        raise _Failed(f"a validity date is malformed: {exc}") from exc
    if valid_until is not None and valid_until < valid_from:
        raise _Failed("validUntil is before validFrom")
    if now < valid_from:
        raise _Failed(f"not valid yet: valid from {credential['validFrom']}")
    if valid_until is not None and now > valid_until:
        raise _Failed(f"expired on {credential['validUntil']}")
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
            raise _Failed(f"{STATUS_NOT_CHECKED}: no status fetcher is set")
        list_credential = _fetch_status_list(fetcher, url, limits)
        _verified_list(list_credential, resolver, issuer, now, limits)
        readings.append(read_status(list_credential, entry))
    flagged = [reading for reading in readings if reading.is_set]
    if flagged:
        raise _Failed(
            "the credential is " + " and ".join(r.describe() for r in flagged)
        )
    return "; ".join(reading.describe() for reading in readings)


def _fetch_status_list(fetcher: StatusFetcher, url: str, limits: Limits) -> Any:
    try:
        fetched = fetcher(url)
    except Exception as exc:  # the fetcher is caller code
        raise _Failed(
            f"{STATUS_NOT_CHECKED}: the status list {url} could not be fetched: {exc}"
        ) from exc
    if isinstance(fetched, str | bytes):
        fetched = parse_json_text(fetched, limits)
    if not isinstance(fetched, dict):
        raise _Failed(f"the status list {url} is not a JSON object")
    check_json_shape(fetched, limits)
    return fetched


# Verified status list credentials, by content and per resolver: batch
# verification reads the same list thousands of times, and its proof need not
# be checked each time. Per resolver, since the proof check depends on it.
_VERIFIED_LISTS: weakref.WeakKeyDictionary[Resolver, OrderedDict[str, float]] = (
    weakref.WeakKeyDictionary()
)
_VERIFIED_LISTS_LOCK = threading.Lock()
_VERIFIED_LIST_TTL = 300.0
_VERIFIED_LISTS_MAX = 64


def _verified_list(
    list_credential: Mapping[str, Any],
    resolver: Resolver,
    issuer: str,
    now: datetime,
    limits: Limits,
) -> None:
    canonical_json = json.dumps(list_credential, sort_keys=True)
    key = hashlib.sha256(f"{issuer}\n{canonical_json}".encode()).hexdigest()
    with _VERIFIED_LISTS_LOCK:
        verified = _VERIFIED_LISTS.setdefault(resolver, OrderedDict())
        verified_at = verified.get(key)
    if verified_at is None or time.monotonic() - verified_at > _VERIFIED_LIST_TTL:
        verify_status_list_credential(
            list_credential, resolver, issuer_id=issuer, now=now, limits=limits
        )
        with _VERIFIED_LISTS_LOCK:
            verified[key] = time.monotonic()
            while len(verified) > _VERIFIED_LISTS_MAX:
                verified.popitem(last=False)
    else:
        # The proof is known good; the validity window still depends on now.
        _check_list_window(list_credential, now)


def _check_list_window(list_credential: Mapping[str, Any], now: datetime) -> None:
    valid_from = parse_date_time(list_credential.get("validFrom"))
    valid_until = list_credential.get("validUntil")
    if now < valid_from or (
        valid_until is not None and now > parse_date_time(valid_until)
    ):
        raise _Failed("the status list is not valid at this time")

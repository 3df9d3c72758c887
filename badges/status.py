"""W3C Bitstring Status List v1.0: the list, its credential, and reading a status."""

from __future__ import annotations

import gzip
import re
import secrets
import threading
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache

from badges.dates import format_date_time, parse_date_time
from badges.dids import Resolver, VerificationKey
from badges.documents import CREDENTIALS_V2
from badges.errors import BadgeError, StatusListError
from badges.limits import DEFAULT_LIMITS, Limits
from badges.multibase import multibase_base64url_decode, multibase_base64url_encode
from badges.proofs import verify_proofs

# Bitstring Status List §6.1: at least 16 KB (131,072 entries) for herd privacy.
MIN_ENTRIES = 131_072
# A decompression bound: 2^27 entries (16 MiB) is far past any real list.
MAX_ENTRIES = 1 << 27
STATUS_PURPOSES = ("revocation", "suspension")
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
ENTRY_TYPE = "BitstringStatusListEntry"

_INDEX = re.compile(r"0|[1-9][0-9]{0,18}")


class StatusList:
    """A bitstring of statuses; index 0 is the most significant bit of byte 0."""

    __slots__ = ("_bits",)

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        """Create an all-clear list of ``size`` entries (a multiple of 8).

        Raises StatusListError for fewer than 131,072 entries (Bitstring Status
        List §6.1, herd privacy) or a size that is not a whole number of bytes.
        """
        if size < MIN_ENTRIES or size % 8 or size > MAX_ENTRIES:
            raise StatusListError(
                f"a status list has {MIN_ENTRIES} to {MAX_ENTRIES} entries, "
                "in whole bytes"
            )
        self._bits = bytearray(size // 8)

    @property
    def size(self) -> int:
        """The number of entries."""
        return len(self._bits) * 8

    def get(self, index: int) -> bool:
        """Return the bit at ``index``; raises StatusListError when out of range."""
        self._check(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (revoke/suspend) or clear the bit at ``index``.

        Raises StatusListError when ``index`` is out of range.
        """
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def _check(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusListError("a status list index is an integer")
        if not 0 <= index < self.size:
            raise StatusListError(
                f"status list index {index} is outside the list of {self.size}"
            )

    def encode(self) -> str:
        """Return encodedList: GZIP, then multibase base64url without padding (§2.1)."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return multibase_base64url_encode(compressed)

    @classmethod
    def decode(cls, encoded: str) -> StatusList:
        """Read an encodedList (multibase base64url of GZIP data).

        Decompression stops past MAX_ENTRIES bits, so a zip bomb is refused.
        Raises StatusListError for a malformed or out-of-bounds list.
        """
        status_list = cls.__new__(cls)
        status_list._bits = bytearray(_decode_bits(encoded))
        return status_list


def _decode_bits(encoded: str) -> bytes:
    try:
        compressed = multibase_base64url_decode(encoded)
    except ValueError as exc:
        raise StatusListError(f"encodedList is not multibase base64url: {exc}") from exc
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        raw = decompressor.decompress(compressed, MAX_ENTRIES // 8 + 1)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP data: {exc}") from exc
    if len(raw) > MAX_ENTRIES // 8 or decompressor.unconsumed_tail:
        raise StatusListError("the status list is larger than allowed")
    if not decompressor.eof:
        raise StatusListError("encodedList holds truncated GZIP data")
    if len(raw) * 8 < MIN_ENTRIES:
        raise StatusListError(
            f"the status list has {len(raw) * 8} entries, fewer than {MIN_ENTRIES}"
        )
    return raw


# Decoded lists by their encodedList: a verifier reads the same list for every
# credential that points at it. Bounded by the bytes held (a list is at least
# 16 KiB); the encodedList keys are smaller than their lists unless the lists
# are random, so the whole stays within a few times the bound.
_DECODED_BYTES_MAX = 16 * 1024 * 1024
_decoded: LRUCache[str, bytes] = LRUCache(maxsize=_DECODED_BYTES_MAX, getsizeof=len)
_decoded_lock = threading.Lock()


def _decoded_bits(encoded: str) -> bytes:
    with _decoded_lock:
        raw = _decoded.get(encoded)
    if raw is None:
        raw = _decode_bits(encoded)
        if len(raw) <= _DECODED_BYTES_MAX:
            with _decoded_lock:
                _decoded[encoded] = raw
    return raw


def allocate_index(used: Collection[int], size: int = MIN_ENTRIES) -> int:
    """Pick a free index uniformly at random (CSPRNG), so indexes leak no order.

    Bitstring Status List §6.2 (correlation) recommends random assignment.
    Raises StatusListError when every index is used.
    """
    if len(used) >= size:
        raise StatusListError("the status list is full")
    for _ in range(64):
        candidate = secrets.randbelow(size)
        if candidate not in used:
            return candidate
    # A nearly full list: choose uniformly among the free indexes.
    # len(used) < size, so at least one index is free.
    free = [index for index in range(size) if index not in used]
    return free[secrets.randbelow(len(free))]


def build_status_list_credential(
    *,
    list_url: str,
    issuer_id: str,
    purpose: str,
    status_list: StatusList,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Build an unsigned BitstringStatusListCredential (Bitstring Status List §2.2).

    Sign it with badges.proofs.sign_document using the issuer's key, and host
    it at ``list_url``. Raises StatusListError for an unknown purpose.
    """
    if purpose not in STATUS_PURPOSES:
        raise StatusListError(f"status purpose must be one of {STATUS_PURPOSES}")
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer_id,
        "validFrom": format_date_time(valid_from),
    }
    if valid_until is not None:
        document["validUntil"] = format_date_time(valid_until)
    document["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    return document


@dataclass(frozen=True)
class StatusReading:
    """The bit a status entry points at: set means revoked or suspended."""

    purpose: str
    index: int
    is_set: bool

    def describe(self) -> str:
        """Say the status in plain words."""
        if not self.is_set:
            return f"not {_past(self.purpose)} (checked {self.purpose} list)"
        return _past(self.purpose)


def _past(purpose: str) -> str:
    return {"revocation": "revoked", "suspension": "suspended"}.get(
        purpose, f"flagged for {purpose}"
    )


def entries_of(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return a credential's credentialStatus entries (one object or a list).

    Raises StatusListError when credentialStatus is neither.
    """
    status = credential.get("credentialStatus")
    if status is None:
        return []
    if isinstance(status, Mapping):
        return [status]
    if isinstance(status, list) and all(isinstance(s, Mapping) for s in status):
        return list(status)
    raise StatusListError("credentialStatus is not an object or a list of objects")


def parse_entry(entry: Mapping[str, Any]) -> tuple[str, str, int]:
    """Check a BitstringStatusListEntry; return (list URL, purpose, index).

    Applies Bitstring Status List §2.1: statusListIndex is a string holding a
    non-negative integer; statusSize, if given, must be 1 (multi-bit statuses
    are not supported). Raises StatusListError otherwise.
    """
    if entry.get("type") != ENTRY_TYPE:
        raise StatusListError(
            f"unsupported credentialStatus type {entry.get('type')!r}"
        )
    url = entry.get("statusListCredential")
    purpose = entry.get("statusPurpose")
    index = entry.get("statusListIndex")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise StatusListError("statusListCredential is not an http(s) URL")
    if not isinstance(purpose, str) or not purpose:
        raise StatusListError("statusPurpose is missing")
    if not isinstance(index, str) or not _INDEX.fullmatch(index):
        raise StatusListError("statusListIndex is not a string of digits")
    if entry.get("statusSize", 1) != 1:
        raise StatusListError("multi-bit status entries (statusSize) are not supported")
    return url, purpose, int(index)


def read_status(
    list_credential: Mapping[str, Any], entry: Mapping[str, Any]
) -> StatusReading:
    """Read the bit an entry points at in a list credential (no proof check).

    Applies the Bitstring Status List §3.2 validation steps that concern the
    data: the list credential's id is the entry's statusListCredential, its
    subject is a BitstringStatusList of the same purpose, the index is in
    range. Raises StatusListError for any mismatch or malformed list.
    """
    url, purpose, index = parse_entry(entry)
    if list_credential.get("id") != url:
        raise StatusListError(
            "the status list credential is not the one the entry names"
        )
    types = list_credential.get("type")
    if not isinstance(types, list) or LIST_CREDENTIAL_TYPE not in types:
        raise StatusListError("the list is not a BitstringStatusListCredential")
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != LIST_TYPE:
        raise StatusListError(
            "the list credential's subject is not a BitstringStatusList"
        )
    list_purposes = subject.get("statusPurpose")
    allowed = list_purposes if isinstance(list_purposes, list) else [list_purposes]
    if purpose not in allowed:
        raise StatusListError(
            f"the entry's purpose {purpose!r} is not the list's {list_purposes!r}"
        )
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("the list credential has no encodedList")
    bits = _decoded_bits(encoded)
    size = len(bits) * 8
    if index >= size:  # parse_entry gives a non-negative index
        raise StatusListError(
            f"status list index {index} is outside the list of {size}"
        )
    return StatusReading(purpose, index, bool(bits[index // 8] & (0x80 >> index % 8)))


def _issuer_id(credential: Mapping[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def verify_status_list_credential(
    list_credential: Mapping[str, Any],
    resolver: Resolver,
    *,
    issuer_id: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> list[VerificationKey]:
    """Check that a status list credential is authentic, current and the issuer's.

    Its proofs must verify; its issuer must be ``issuer_id`` (the issuer of the
    credential whose status is read) and control the signing key with
    assertionMethod; ``now`` must be within its validFrom/validUntil.
    Returns the keys its proofs verified with, in the order of the proofs.
    Raises StatusListError saying which of these fails.
    """
    if _issuer_id(list_credential) != issuer_id:
        raise StatusListError("the status list was issued by someone else")
    try:
        proofs = verify_proofs(list_credential, resolver, limits)
    except BadgeError as exc:
        raise StatusListError(
            f"the status list's proof does not verify: {exc}"
        ) from exc
    for proof in proofs:
        if proof.key.controller != issuer_id or not proof.key.authorized_for(
            "assertionMethod"
        ):
            raise StatusListError(
                "the status list is signed by a key the issuer does not control"
            )
    try:
        valid_from = parse_date_time(list_credential.get("validFrom"))
        valid_until = (
            parse_date_time(list_credential["validUntil"])
            if "validUntil" in list_credential
            else None
        )
    except ValueError as exc:
        raise StatusListError(f"the status list has malformed dates: {exc}") from exc
    if now < valid_from or (valid_until is not None and now > valid_until):
        raise StatusListError("the status list is not valid at this time")
    return [proof.key for proof in proofs]

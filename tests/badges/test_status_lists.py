"""Bitstring Status List: encoding, allocation, list credentials and status reads."""

from __future__ import annotations

import copy
import gzip
from datetime import timedelta
from typing import Any

import pytest
from badge_samples import VALID_FROM
from hypothesis import given, settings
from hypothesis import strategies as st

from badges import status as status_module
from badges.credential import StatusEntry
from badges.dids import Resolver
from badges.errors import StatusListError
from badges.keys import Ed25519KeyPair
from badges.multibase import multibase_base64url_decode, multibase_base64url_encode
from badges.proofs import sign_document
from badges.status import (
    MIN_ENTRIES,
    StatusList,
    allocate_index,
    build_status_list_credential,
    entries_of,
    parse_entry,
    read_status,
    verify_status_list_credential,
)

LIST_URL = "https://pdhub.example/status-lists/1"


def signed_list(
    key: Ed25519KeyPair,
    status_list: StatusList,
    purpose: str = "revocation",
    **extra: Any,
) -> dict[str, Any]:
    document = build_status_list_credential(
        list_url=LIST_URL,
        issuer_id=key.did_key,
        purpose=purpose,
        status_list=status_list,
        valid_from=VALID_FROM,
        **extra,
    )
    return sign_document(
        document, key, key.did_key_verification_method, created=VALID_FROM
    )


def test_index_zero_is_the_leftmost_bit_of_the_first_byte() -> None:
    status_list = StatusList()
    status_list.set(0)
    status_list.set(9)
    raw = gzip.decompress(multibase_base64url_decode(status_list.encode()))
    assert raw[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert len(raw) == MIN_ENTRIES // 8


def test_encoded_list_is_gzip_in_unpadded_multibase_base64url() -> None:
    encoded = StatusList().encode()
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert StatusList.decode(encoded).size == MIN_ENTRIES


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(0, MIN_ENTRIES - 1), max_size=40))
def test_set_bits_round_trip(indexes: set[int]) -> None:
    status_list = StatusList()
    for index in indexes:
        status_list.set(index)
    decoded = StatusList.decode(status_list.encode())
    for index in indexes:
        assert decoded.get(index)
    probe = next(i for i in range(MIN_ENTRIES) if i not in indexes)
    assert not decoded.get(probe)


def test_bits_can_be_cleared_again() -> None:
    status_list = StatusList()
    status_list.set(5)
    status_list.set(5, False)
    assert not status_list.get(5)


@pytest.mark.parametrize("size", [8, MIN_ENTRIES - 8, MIN_ENTRIES + 1, 1 << 30])
def test_lists_are_large_enough_for_herd_privacy(size: int) -> None:
    with pytest.raises(StatusListError):
        StatusList(size)


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, True, "3"])
def test_out_of_range_indexes_are_refused(index: Any) -> None:
    with pytest.raises(StatusListError):
        StatusList().get(index)


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("zabc", "multibase base64url"),
        (multibase_base64url_encode(b"not gzip"), "not GZIP"),
        (multibase_base64url_encode(gzip.compress(b"\0" * 100, mtime=0)), "fewer than"),
        (
            multibase_base64url_encode(gzip.compress(b"\0" * 20000, mtime=0)[:-12]),
            "truncated",
        ),
        (
            multibase_base64url_encode(gzip.compress(b"\0" * (1 << 25), mtime=0)),
            "larger than",
        ),
    ],
)
def test_malformed_or_oversized_lists_are_refused(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        StatusList.decode(encoded)


def test_allocation_is_random_and_avoids_used_indexes() -> None:
    picks = {allocate_index(set()) for _ in range(20)}
    assert len(picks) > 15
    assert all(0 <= pick < MIN_ENTRIES for pick in picks)
    used = set(range(MIN_ENTRIES)) - {123, 4567}
    assert allocate_index(used) in {123, 4567}
    with pytest.raises(StatusListError, match="full"):
        allocate_index(set(range(MIN_ENTRIES)))


def test_status_list_credential_round_trip(issuer_key: Ed25519KeyPair) -> None:
    status_list = StatusList()
    status_list.set(42)
    credential = signed_list(issuer_key, status_list)
    assert credential["type"] == [
        "VerifiableCredential",
        "BitstringStatusListCredential",
    ]
    assert credential["credentialSubject"]["id"] == f"{LIST_URL}#list"
    verify_status_list_credential(
        credential, Resolver(), issuer_id=issuer_key.did_key, now=VALID_FROM
    )
    revoked = read_status(credential, StatusEntry(LIST_URL, 42).to_json())
    assert revoked.is_set
    assert revoked.describe() == "revoked"
    fine = read_status(credential, StatusEntry(LIST_URL, 43).to_json())
    assert not fine.is_set
    assert fine.describe() == "not revoked (checked revocation list)"


def test_reads_follow_the_lists_content_not_a_cached_copy(
    issuer_key: Ed25519KeyPair,
) -> None:
    status_list = StatusList()
    entry = StatusEntry(LIST_URL, 42).to_json()
    assert not read_status(signed_list(issuer_key, status_list), entry).is_set
    status_list.set(42)
    credential = signed_list(issuer_key, status_list)
    assert read_status(credential, entry).is_set
    assert read_status(copy.deepcopy(credential), entry).is_set
    decoded = StatusList.decode(credential["credentialSubject"]["encodedList"])
    decoded.set(42, False)  # a decoded list is the caller's own copy
    assert read_status(credential, entry).is_set
    beyond = StatusEntry(LIST_URL, MIN_ENTRIES).to_json()
    with pytest.raises(StatusListError, match="outside the list"):
        read_status(credential, beyond)


def test_decoded_lists_kept_are_bounded_in_bytes(
    monkeypatch: pytest.MonkeyPatch, issuer_key: Ed25519KeyPair
) -> None:
    monkeypatch.setattr(status_module, "_DECODED_BYTES_MAX", MIN_ENTRIES // 8 - 1)
    monkeypatch.setattr(status_module, "_decoded", {})
    credential = signed_list(issuer_key, StatusList())
    entry = StatusEntry(LIST_URL, 1).to_json()
    for _ in range(2):
        assert not read_status(credential, entry).is_set
    assert not status_module._decoded


def test_suspension_lists_report_suspended(issuer_key: Ed25519KeyPair) -> None:
    status_list = StatusList()
    status_list.set(7)
    credential = signed_list(issuer_key, status_list, purpose="suspension")
    reading = read_status(credential, StatusEntry(LIST_URL, 7, "suspension").to_json())
    assert reading.describe() == "suspended"
    with pytest.raises(StatusListError, match="purpose"):
        read_status(credential, StatusEntry(LIST_URL, 7).to_json())


def test_unknown_purposes_are_refused_when_building(issuer_key: Ed25519KeyPair) -> None:
    with pytest.raises(StatusListError):
        build_status_list_credential(
            list_url=LIST_URL,
            issuer_id=issuer_key.did_key,
            purpose="message",
            status_list=StatusList(),
            valid_from=VALID_FROM,
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(type="StatusList2021Entry"), "unsupported"),
        (lambda e: e.update(statusListCredential="ftp://x"), "http"),
        (lambda e: e.pop("statusPurpose"), "statusPurpose"),
        (lambda e: e.update(statusListIndex=5), "string of digits"),
        (lambda e: e.update(statusListIndex="05"), "string of digits"),
        (lambda e: e.update(statusListIndex="-5"), "string of digits"),
        (lambda e: e.update(statusSize=2), "statusSize"),
        (lambda e: e.update(statusListIndex=str(MIN_ENTRIES)), "outside"),
        (lambda e: e.update(statusListCredential=LIST_URL + "x"), "not the one"),
    ],
)
def test_malformed_entries_are_refused(
    issuer_key: Ed25519KeyPair, change: Any, message: str
) -> None:
    credential = signed_list(issuer_key, StatusList())
    entry = StatusEntry(LIST_URL, 3).to_json()
    change(entry)
    with pytest.raises(StatusListError, match=message):
        read_status(credential, entry)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: c.update(type=["VerifiableCredential"]),
            "BitstringStatusListCredential",
        ),
        (lambda c: c["credentialSubject"].update(type="StatusList2021"), "subject"),
        (lambda c: c["credentialSubject"].pop("encodedList"), "encodedList"),
    ],
)
def test_malformed_list_credentials_are_refused(
    issuer_key: Ed25519KeyPair, change: Any, message: str
) -> None:
    credential = signed_list(issuer_key, StatusList())
    change(credential)
    with pytest.raises(StatusListError, match=message):
        read_status(credential, StatusEntry(LIST_URL, 3).to_json())


def test_lists_may_declare_several_purposes(issuer_key: Ed25519KeyPair) -> None:
    credential = signed_list(issuer_key, StatusList())
    credential["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    assert not read_status(
        credential, StatusEntry(LIST_URL, 1, "suspension").to_json()
    ).is_set


def test_list_credential_checks(issuer_key: Ed25519KeyPair) -> None:
    credential = signed_list(
        issuer_key, StatusList(), valid_until=VALID_FROM + timedelta(days=1)
    )
    check = verify_status_list_credential
    with pytest.raises(StatusListError, match="someone else"):
        check(credential, Resolver(), issuer_id="did:web:other.example", now=VALID_FROM)
    with pytest.raises(StatusListError, match="not valid at this time"):
        check(
            credential,
            Resolver(),
            issuer_id=issuer_key.did_key,
            now=VALID_FROM + timedelta(days=2),
        )
    with pytest.raises(StatusListError, match="not valid at this time"):
        check(
            credential,
            Resolver(),
            issuer_id=issuer_key.did_key,
            now=VALID_FROM - timedelta(seconds=1),
        )
    tampered = copy.deepcopy(credential)
    other_list = StatusList()
    other_list.set(3)
    tampered["credentialSubject"]["encodedList"] = other_list.encode()
    with pytest.raises(StatusListError, match="proof does not verify"):
        check(tampered, Resolver(), issuer_id=issuer_key.did_key, now=VALID_FROM)
    other_key = Ed25519KeyPair.generate()
    document = {k: v for k, v in credential.items() if k != "proof"}
    foreign = sign_document(document, other_key, other_key.did_key_verification_method)
    with pytest.raises(StatusListError, match="does not control"):
        check(foreign, Resolver(), issuer_id=issuer_key.did_key, now=VALID_FROM)
    bad_dates = {**document, "validFrom": "2026-01-01"}
    bad_dates = sign_document(
        bad_dates, issuer_key, issuer_key.did_key_verification_method
    )
    with pytest.raises(StatusListError, match="malformed dates"):
        check(bad_dates, Resolver(), issuer_id=issuer_key.did_key, now=VALID_FROM)


def test_entries_of_accepts_one_or_many() -> None:
    entry = StatusEntry(LIST_URL, 1).to_json()
    assert entries_of({}) == []
    assert entries_of({"credentialStatus": entry}) == [entry]
    assert entries_of({"credentialStatus": [entry, entry]}) == [entry, entry]
    with pytest.raises(StatusListError):
        entries_of({"credentialStatus": "revoked?"})
    assert parse_entry(entry) == (LIST_URL, "revocation", 1)


# --- the verified-list cache: once per list version, never past a changed list or key


def _list_text(key: Ed25519KeyPair, revoked: tuple[int, ...] = ()) -> bytes:
    import json

    from badge_samples import signed_status_list

    return json.dumps(signed_status_list(key, revoked=revoked)).encode()


def test_a_served_list_is_verified_once_per_version_and_a_revocation_shows_at_once(
    monkeypatch: pytest.MonkeyPatch, issuer_key: Ed25519KeyPair
) -> None:
    from badge_samples import signed_badge

    from badges import verify as verify_module
    from badges.verify import verify_credential

    checked: list[str] = []
    real = verify_module.verify_status_list_credential

    def counting(*args: Any, **kwargs: Any) -> Any:
        checked.append("list")
        return real(*args, **kwargs)

    monkeypatch.setattr(verify_module, "verify_status_list_credential", counting)
    served = {"text": _list_text(issuer_key)}
    credential = signed_badge(issuer_key, index=7)

    def verify_now() -> Any:
        # A fresh resolver each time, as each API request has.
        return verify_credential(
            credential,
            resolver=Resolver(),
            status_fetcher=lambda url: served["text"],
            now=VALID_FROM,
        )

    for _ in range(3):
        assert verify_now().verified
    assert checked == ["list"]
    served["text"] = _list_text(issuer_key, revoked=(7,))
    report = verify_now()
    assert report.check("status").detail == "the credential is revoked"
    served["text"] = _list_text(issuer_key)
    assert verify_now().verified
    assert len(checked) == 2  # the first version again: already known


def test_a_known_list_is_checked_again_when_its_key_is_no_longer_listed(
    issuer_key: Ed25519KeyPair,
) -> None:
    import json

    from badge_samples import make_badge, signed_status_list

    from badges.dids import PublishedKey, controller_document
    from badges.verify import verify_credential

    did = "did:web:pdhub.example"
    method = issuer_key.verification_method_id(did)
    status_list = signed_status_list(issuer_key, issuer_id=did)
    status_list.pop("proof")
    list_text = json.dumps(sign_document(status_list, issuer_key, method)).encode()
    other_key = Ed25519KeyPair.generate()
    credential = sign_document(
        make_badge(
            issuer_key,
            status=StatusEntry(LIST_URL, 3),
            issuer=make_badge(issuer_key).issuer.__class__(
                id=did, name="PD Hub", url="https://pdhub.example"
            ),
        ).to_json(),
        other_key,
        other_key.verification_method_id(did),
    )

    def resolver(*keys: Ed25519KeyPair) -> Resolver:
        document = controller_document(
            did, [PublishedKey(key.public_key_multibase) for key in keys]
        )
        return Resolver(lambda url: document)

    def verify_with(resolver: Resolver) -> Any:
        return verify_credential(
            credential,
            resolver=resolver,
            status_fetcher=lambda url: list_text,
            now=VALID_FROM,
        )

    assert verify_with(resolver(issuer_key, other_key)).verified
    # The issuer withdrew the key that signed the list: the cached verdict on the
    # list does not outlive it.
    report = verify_with(resolver(other_key))
    assert not report.check("status").passed
    assert "proof does not verify" in report.check("status").detail

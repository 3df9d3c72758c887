"""Hosted Bitstring Status Lists: allocating random indexes, flipping bits, and
keeping each list's signed list credential ready to serve."""

from __future__ import annotations

import json

from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.orm import object_session

from badges.proofs import sign_document
from badges.status import MIN_ENTRIES, allocate_index, build_status_list_credential
from badges.status import StatusList as Bitstring
from pdhub.credentials import keys
from pdhub.credentials.models import (
    IssuedCredential,
    IssuerKey,
    StatusList,
    StatusPurpose,
)
from pdhub.db import DbSession, advisory_lock, utcnow
from pdhub.endorsements.models import Endorsement
from pdhub.pathways.models import PathwayCompletion
from pdhub.workshops.models import WorkshopAward

#: The purpose of the one status entry each new credential carries. OB 3.0 allows a
#: single credentialStatus, and a suspension can be lifted while a revocation
#: cannot, so the entry is a suspension entry: suspending sets its bit, lifting
#: clears it, revoking sets it for good. Credentials issued before this carry a
#: revocation entry. docs/status-lists.md says why.
CREDENTIAL_PURPOSE = StatusPurpose.SUSPENSION


def list_url(status_list: StatusList) -> str:
    """The list's address, fixed when it was made (see StatusList.url).

    A list made before addresses were stored, and named by no credential yet, gets
    its address now, once.
    """
    if status_list.url is None:
        base = _published_base(object_session(status_list), status_list)
        status_list.url = f"{base}/status-lists/{status_list.id}"
    return status_list.url


def _published_base(session: DbSession | None, status_list: StatusList) -> str:
    """Where this deployment publishes its lists: for a did:key issuer (the embedded
    default, whose address is not in its DID), where its newest list already is, so a
    command run without PDHUB_BASE_URL makes no list under an address nobody serves;
    else (and for the very first list) PDHUB_BASE_URL."""
    if session is not None and status_list.issuer_id.startswith("did:key:"):
        newest = session.scalar(
            select(StatusList.url)
            .where(StatusList.url.is_not(None), StatusList.id != status_list.id)
            .order_by(StatusList.id.desc())
            .limit(1)
        )
        if newest and "/status-lists/" in newest:
            return newest.rsplit("/status-lists/", 1)[0]
    return keys.base_url()


def _bitstring(status_list: StatusList) -> Bitstring:
    bits = Bitstring(status_list.size)
    raw = bytes(status_list.bits)
    for position, byte in enumerate(raw):
        if byte:
            for offset in range(8):
                if byte & (0x80 >> offset):
                    bits.set(position * 8 + offset)
    return bits


def _used_indexes(session: DbSession, status_list: StatusList) -> set[int]:
    """Indexes held by module credentials, pathway milestone and workshop
    credentials, and district endorsements."""
    used = set(
        session.scalars(
            select(IssuedCredential.revocation_index).where(
                IssuedCredential.revocation_list_id == status_list.id
            )
        )
    )
    used.update(
        index
        for index in session.scalars(
            select(PathwayCompletion.revocation_index).where(
                PathwayCompletion.revocation_list_id == status_list.id
            )
        )
        if index is not None
    )
    used.update(
        session.scalars(
            select(WorkshopAward.revocation_index).where(
                WorkshopAward.revocation_list_id == status_list.id
            )
        )
    )
    used.update(
        session.scalars(
            select(Endorsement.revocation_index).where(
                Endorsement.revocation_list_id == status_list.id
            )
        )
    )
    return used


def sign_list(session: DbSession, status_list: StatusList, signer: keys.Signer) -> None:
    """Re-sign the list credential with ``signer`` and keep it for serving.

    The list is valid from when it was made, not from this signing: a list first
    signed while a verifier reads it (its first read signs it) would otherwise start
    after the verifier's "now" and be refused as not yet valid.
    """
    now = utcnow()
    document = build_status_list_credential(
        list_url=list_url(status_list),
        issuer_id=status_list.issuer_id,
        purpose=status_list.purpose.value,
        status_list=_bitstring(status_list),
        valid_from=(status_list.created_at or now).replace(microsecond=0),
    )
    signed = sign_document(document, signer.pair, signer.verification_method)
    status_list.signed_json = json.dumps(signed, separators=(",", ":"))
    status_list.updated_at = now
    session.flush()


def signer_for_list(session: DbSession, status_list: StatusList) -> keys.Signer:
    """The key that signs a list, as the list's own issuer: its did:key issuer's
    key, or the current key when the issuer is a did:web (which lists every key).
    Nothing here reads the environment, so a list is signed the same way whoever
    changes it."""
    if status_list.issuer_id.startswith("did:key:"):
        key = session.scalar(
            select(IssuerKey).where(IssuerKey.did_key == status_list.issuer_id)
        )
        if key is not None:
            return keys.signer_as(key, status_list.issuer_id)
    return keys.signer_as(keys.current_key(session), status_list.issuer_id)


def allocate(
    session: DbSession,
    signer: keys.Signer,
    purpose: StatusPurpose = CREDENTIAL_PURPOSE,
) -> tuple[StatusList, int]:
    """Pick a random free index in a list of ``signer``'s issuer (see allocate_many)."""
    return allocate_many(session, signer, 1, purpose)[0]


def allocate_many(
    session: DbSession,
    signer: keys.Signer,
    count: int,
    purpose: StatusPurpose = CREDENTIAL_PURPOSE,
) -> list[tuple[StatusList, int]]:
    """Pick ``count`` distinct random free indexes in lists of ``signer``'s issuer,
    making a list when every one is half full (Bitstring Status List §6.2: random,
    uncorrelated indexes; a list half full keeps picking cheap and herds large).

    Allocating changes no bit, so no list is re-signed here. Two workers issuing at
    once must not pick the same index: on PostgreSQL each picked index is held with
    a transaction-scoped advisory lock (taken without waiting; a busy one is simply
    not used) and re-checked against committed credentials, so a clash never
    reaches the unique constraint. SQLite has one writer at a time.
    """
    picked: list[tuple[StatusList, int]] = []
    seen: set[int] = set()

    def pick_from_lists() -> None:
        for status_list in _lists(session, signer, purpose):
            if len(picked) == count:
                break
            if status_list.id not in seen:
                seen.add(status_list.id)
                picked.extend(_pick(session, status_list, count - len(picked)))

    pick_from_lists()
    if len(picked) < count:
        # Make new lists one transaction at a time: whoever waited here first looks
        # at the lists the one before it made (and committed).
        advisory_lock(session, f"status-list:{signer.issuer_id}:{purpose.value}")
        pick_from_lists()
    while len(picked) < count:
        status_list = StatusList(
            purpose=purpose,
            issuer_id=signer.issuer_id,
            size=MIN_ENTRIES,
            bits=bytes(MIN_ENTRIES // 8),
        )
        session.add(status_list)
        session.flush()
        list_url(status_list)  # fixed now, for good
        sign_list(session, status_list, signer)
        picked.extend(_pick(session, status_list, count - len(picked)))
    return picked


def _lists(
    session: DbSession, signer: keys.Signer, purpose: StatusPurpose
) -> list[StatusList]:
    return list(
        session.scalars(
            select(StatusList)
            .where(
                StatusList.issuer_id == signer.issuer_id, StatusList.purpose == purpose
            )
            .order_by(StatusList.id)
        )
    )


#: The advisory lock key of an index: "PD" in the top bits, then the list and index.
_LOCK_NAMESPACE = 0x5044 << 47


def _lock_key(status_list: StatusList, index: int) -> int:
    return _LOCK_NAMESPACE | (status_list.id << 20) | index


def _pick(
    session: DbSession, status_list: StatusList, wanted: int
) -> list[tuple[StatusList, int]]:
    """Up to ``wanted`` free random indexes of one list, at most half full."""
    used = _used_indexes(session, status_list)
    room = status_list.size // 2 - len(used)
    wanted = min(wanted, room)
    chosen: list[int] = []
    postgres = session.get_bind().dialect.name == "postgresql"
    while len(chosen) < wanted:
        candidates = []
        for _ in range(wanted - len(chosen)):
            index = allocate_index(used, status_list.size)
            used.add(index)
            candidates.append(index)
        if postgres:
            candidates = _claim(session, status_list, candidates)
        chosen.extend(candidates)
    return [(status_list, index) for index in chosen]


def _claim(
    session: DbSession, status_list: StatusList, candidates: list[int]
) -> list[int]:
    """The candidates this transaction now holds and no committed credential uses."""
    keys_by_index = {_lock_key(status_list, index): index for index in candidates}
    locked = session.scalars(
        text(
            "SELECT key FROM unnest(CAST(:keys AS bigint[])) AS key "
            "WHERE pg_try_advisory_xact_lock(key)"
        ),
        {"keys": list(keys_by_index)},
    ).all()
    held = [keys_by_index[key] for key in locked]
    if not held:
        return []
    # Taken by a transaction that committed after our list of used indexes was read.
    taken = (
        set(
            session.scalars(
                select(IssuedCredential.revocation_index).where(
                    IssuedCredential.revocation_list_id == status_list.id,
                    IssuedCredential.revocation_index.in_(held),
                )
            )
        )
        | set(
            session.scalars(
                select(PathwayCompletion.revocation_index).where(
                    PathwayCompletion.revocation_list_id == status_list.id,
                    PathwayCompletion.revocation_index.in_(held),
                )
            )
        )
        | set(
            session.scalars(
                select(WorkshopAward.revocation_index).where(
                    WorkshopAward.revocation_list_id == status_list.id,
                    WorkshopAward.revocation_index.in_(held),
                )
            )
        )
        | set(
            session.scalars(
                select(Endorsement.revocation_index).where(
                    Endorsement.revocation_list_id == status_list.id,
                    Endorsement.revocation_index.in_(held),
                )
            )
        )
    )
    return [index for index in held if index not in taken]


def set_bit(
    session: DbSession,
    status_list: StatusList,
    index: int,
    value: bool,
    *,
    sign: bool = True,
) -> None:
    """Set or clear one entry and re-sign the list credential (unless ``sign`` is
    False: the caller signs once after changing many)."""
    if is_set(status_list, index) == value:
        return
    raw = bytearray(status_list.bits)
    mask = 0x80 >> (index % 8)
    raw[index // 8] = (
        raw[index // 8] | mask if value else raw[index // 8] & ~mask & 0xFF
    )
    status_list.bits = bytes(raw)
    if sign:
        sign_list(session, status_list, signer_for_list(session, status_list))


def is_set(status_list: StatusList, index: int) -> bool:
    return bool(status_list.bits[index // 8] & (0x80 >> (index % 8)))


_SIGNED_JSON = select(StatusList.signed_json).where(
    StatusList.id == bindparam("list_id")
)


def published_document(session: DbSession, list_id: int) -> str | None:
    """The signed list credential of list ``list_id`` as served (the text
    /status-lists/<id> answers), or None when there is no such list or it was
    never signed.

    Verifiers of this deployment's own credentials read it here rather than
    through a request to the app; a bit flipped and committed shows at the next
    read. With an engine, the read takes its own pooled connection in autocommit
    (one statement, no transaction to begin and roll back, the caller's session
    untouched); a session bound to one connection (inside an outer transaction)
    reads within it.
    """
    bind = session.get_bind()
    if isinstance(bind, Engine):
        with bind.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            return connection.execute(_SIGNED_JSON, {"list_id": list_id}).scalar()
    with session.no_autoflush:
        return session.execute(_SIGNED_JSON, {"list_id": list_id}).scalar()


def served_document(session: DbSession, status_list: StatusList) -> str:
    """The signed list credential text (signed now if it never was)."""
    if status_list.signed_json is None:
        sign_list(session, status_list, signer_for_list(session, status_list))
    assert status_list.signed_json is not None
    return status_list.signed_json

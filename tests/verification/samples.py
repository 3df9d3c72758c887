"""Signed test credentials and status lists, made with the badges library."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from typing import Any

from badges.baking import bake_png, bake_svg
from badges.credential import (
    Achievement,
    Image,
    IssuerProfile,
    OpenBadgeCredential,
    Recipient,
    Result,
    ResultDescription,
    RubricLevel,
    StatusEntry,
)
from badges.jwt import encode_jwt
from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from badges.status import StatusList, build_status_list_credential


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data))
    )


VALID_FROM = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REVOKED_INDEX = 7
SUSPENDED_INDEX = 9
#: A 1x1 PNG and a tiny SVG to bake credentials into.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
    + _png_chunk(b"IEND", b"")
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def status_list(
    key: Ed25519KeyPair, url: str, purpose: str, flagged: tuple[int, ...] = ()
) -> dict[str, Any]:
    """A signed BitstringStatusListCredential with ``flagged`` bits set."""
    bits = StatusList()
    for index in flagged:
        bits.set(index)
    document = build_status_list_credential(
        list_url=url,
        issuer_id=key.did_key,
        purpose=purpose,
        status_list=bits,
        valid_from=VALID_FROM,
    )
    return sign_document(
        document, key, key.did_key_verification_method, created=VALID_FROM
    )


def credential(
    key: Ed25519KeyPair,
    *,
    list_url: str | None = None,
    index: int = 3,
    purpose: str = "revocation",
    teacher: str | None = None,
    achievement: str = "Digital Equity in the Classroom",
    valid_until: datetime | None = None,
    valid_from: datetime = VALID_FROM,
) -> dict[str, Any]:
    """A signed PD Hub style credential (rubric result, PD hours, status entry)."""
    demonstrated = RubricLevel(
        id="https://pd.example/rubrics/equity/levels/demonstrated",
        name="Demonstrated",
        level="2",
    )
    criterion = ResultDescription(
        id="https://pd.example/rubrics/equity/criteria/access",
        name="Plans for device and connectivity access",
        levels=(demonstrated,),
        allowed_values=("Demonstrated",),
    )
    document = OpenBadgeCredential(
        issuer=IssuerProfile(
            id=key.did_key, name="Riverside PD Hub", url="https://pd.example"
        ),
        achievement=Achievement(
            id="https://pd.example/achievements/equity/v1",
            name=achievement,
            description="Plans lessons that close the access divide.",
            criteria_narrative="Pass the knowledge check and a scored lesson plan.",
            image=Image("https://pd.example/badges/equity.png"),
            credits_available=3,
            result_descriptions=(criterion,),
        ),
        recipient=Recipient.from_email("teacher@school.example", salt="pepper"),
        valid_from=valid_from,
        valid_until=valid_until,
        awarded_date=valid_from,
        results=(Result(criterion.id, demonstrated.id),),
        credits_earned=3,
        status=StatusEntry(list_url, index, purpose) if list_url else None,
    ).to_json()
    if teacher:
        document["credentialSubject"]["identifier"].append(
            {
                "type": "IdentityObject",
                "hashed": False,
                "identityHash": teacher,
                "identityType": "name",
                "salt": "",
            }
        )
    return sign_document(
        document, key, key.did_key_verification_method, created=valid_from
    )


def as_jwt(key: Ed25519KeyPair, document: dict[str, Any]) -> str:
    """The VC-JWT form of an unsigned copy of ``document``."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return encode_jwt(unsigned, key, key.did_key_verification_method)


def as_png(document: dict[str, Any] | str) -> bytes:
    return bake_png(PNG, document)


def as_svg(document: dict[str, Any] | str) -> bytes:
    return bake_svg(SVG, document)

"""Multibase and multicodec encodings used by keys, proofs and status lists."""

from __future__ import annotations

import base64
import binascii

from badges.errors import KeyFormatError

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}

# Multicodec table entries (varint-encoded) for the key types we handle.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"

# Far beyond any key or signature; bounds the quadratic base58 decode.
_MAX_BASE58_CHARS = 512


def base58btc_encode(data: bytes) -> str:
    """Encode bytes in base58btc (the Bitcoin alphabet), leading zeros as ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    chars: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        chars.append(_BASE58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(chars))


def base58btc_decode(text: str) -> bytes:
    """Decode base58btc text.

    Raises KeyFormatError for characters outside the alphabet or overlong input.
    """
    if len(text) > _MAX_BASE58_CHARS:
        raise KeyFormatError("base58btc value is too long")
    number = 0
    for char in text:
        index = _BASE58_INDEX.get(char)
        if index is None:
            raise KeyFormatError(f"{char!r} is not a base58btc character")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_base58btc_encode(data: bytes) -> str:
    """Encode bytes as multibase base58btc: ``z`` then base58btc."""
    return "z" + base58btc_encode(data)


def multibase_base58btc_decode(text: str) -> bytes:
    """Decode a multibase base58btc value (``z`` prefix required).

    Raises KeyFormatError for another prefix or a malformed body.
    """
    if not isinstance(text, str) or not text.startswith("z"):
        raise KeyFormatError("expected a multibase base58btc value starting with 'z'")
    return base58btc_decode(text[1:])


def base64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding (RFC 4648 §5, as JOSE uses)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base64url_decode(text: str) -> bytes:
    """Decode unpadded base64url strictly (no padding, no other alphabet).

    Raises ValueError for anything else, so one value has one encoding.
    """
    if not isinstance(text, str) or "=" in text or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        raw = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4),
            validate=True,
        )
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not unpadded base64url") from exc
    if base64url_encode(raw) != text:
        # Non-canonical trailing bits: another string decodes to the same bytes.
        raise ValueError("base64url value is not in canonical form")
    return raw


def multibase_base64url_encode(data: bytes) -> str:
    """Encode bytes as multibase base64url without padding: ``u`` then base64url."""
    return "u" + base64url_encode(data)


def multibase_base64url_decode(text: str) -> bytes:
    """Decode a multibase base64url value (``u`` prefix required).

    Raises ValueError for another prefix or a malformed body.
    """
    if not isinstance(text, str) or not text.startswith("u"):
        raise ValueError("expected a multibase base64url value starting with 'u'")
    return base64url_decode(text[1:])

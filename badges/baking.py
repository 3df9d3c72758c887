"""Baked badge images (OB 3.0 §5.3): a credential inside a PNG or an SVG, in and out."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator, Mapping
from typing import Any
from xml.dom.minidom import Document, Element

from defusedxml import minidom
from defusedxml.common import DefusedXmlException

from badges.errors import BadgeError, BakingError
from badges.jwt import looks_like_jwt
from badges.limits import DEFAULT_LIMITS, UNBOUNDED_SHAPE, Limits, check_json_shape

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
OB_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/"

Payload = Mapping[str, Any] | str
"""A credential to bake: its JSON (a mapping) or its VC-JWT (a compact JWS)."""


def _payload_text(payload: Payload) -> tuple[str, bool]:
    if isinstance(payload, str):
        if not looks_like_jwt(payload):
            raise BakingError("a string payload must be a VC-JWT (compact JWS)")
        return payload.strip(), True
    if not isinstance(payload, Mapping):
        raise BakingError("the payload is a credential object or a VC-JWT")
    try:
        check_json_shape(payload, UNBOUNDED_SHAPE)
    except (TypeError, BadgeError) as exc:
        raise BakingError(f"the credential is not plain JSON: {exc}") from exc
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")), False


# --- PNG ---------------------------------------------------------------------


def is_png(data: bytes) -> bool:
    """Tell whether ``data`` starts with the PNG signature."""
    return data[:8] == PNG_SIGNATURE


def _chunks(image: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    # Yields (type, data, raw chunk bytes), checking lengths and CRCs (PNG §5.3).
    if not is_png(image):
        raise BakingError("not a PNG image")
    position = 8
    while position < len(image):
        if position + 12 > len(image):
            raise BakingError("the PNG ends inside a chunk header")
        (length,) = struct.unpack(">I", image[position : position + 4])
        kind = image[position + 4 : position + 8]
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(image):
            raise BakingError("a PNG chunk runs past the end of the file")
        data = image[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", image[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            raise BakingError(f"the PNG chunk {kind!r} has a bad CRC")
        yield kind, data, image[position:end]
        position = end
        if kind == b"IEND":
            return
    raise BakingError("the PNG has no IEND chunk")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data))
    )


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\0", 1)[0]


def _itxt_text(data: bytes) -> str:
    # iTXt: keyword \0 compression-flag compression-method language \0
    #       translated-keyword \0 text  (PNG §11.3.4.5)
    try:
        _, rest = data.split(b"\0", 1)
        flag, _method, rest = rest[0], rest[1], rest[2:]
        _language, rest = rest.split(b"\0", 1)
        _translated, text = rest.split(b"\0", 1)
    except (ValueError, IndexError) as exc:
        raise BakingError("the openbadgecredential iTXt chunk is malformed") from exc
    if flag != 0:
        raise BakingError(
            "the openbadgecredential chunk is compressed (OB 3.0 forbids)"
        )
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError("the openbadgecredential text is not UTF-8") from exc


def bake_png(image: bytes, payload: Payload, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Return ``image`` with the credential baked in (OB 3.0 §5.3.1, PNG baking).

    Exactly one uncompressed iTXt chunk with keyword ``openbadgecredential``,
    no language tag, is placed right before IEND; an existing one is replaced.
    Raises BakingError for a non-PNG, a corrupt PNG or an oversized image.
    """
    _check_size(image, limits)
    text, _ = _payload_text(payload)
    itxt = _chunk(b"iTXt", PNG_KEYWORD + b"\0\0\0\0\0" + text.encode("utf-8"))
    out = [PNG_SIGNATURE]
    for kind, data, raw in _chunks(image):
        if kind == b"iTXt" and _itxt_keyword(data) == PNG_KEYWORD:
            continue
        if kind == b"IEND":
            out.append(itxt)
        out.append(raw)
    return b"".join(out)


def extract_png(image: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Return the credential text (JSON or VC-JWT) baked into a PNG (§5.3.1).

    Raises BakingError when the image is not a valid PNG, holds no
    openbadgecredential chunk, or holds more than one (which OB 3.0 forbids).
    """
    _check_size(image, limits)
    found = [
        data
        for kind, data, _ in _chunks(image)
        if kind == b"iTXt" and _itxt_keyword(data) == PNG_KEYWORD
    ]
    if not found:
        raise BakingError("the PNG holds no openbadgecredential iTXt chunk")
    if len(found) > 1:
        raise BakingError("the PNG holds more than one openbadgecredential chunk")
    return _itxt_text(found[0])


# --- SVG ---------------------------------------------------------------------


def is_svg(data: bytes | str) -> bool:
    """Tell whether ``data`` looks like an SVG document (an ``<svg`` near the start)."""
    head = data[:4096]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    return "<svg" in head and head.lstrip().startswith("<")


def _parse_svg(image: bytes | str, limits: Limits) -> tuple[Document, Element]:
    _check_size(image, limits)
    try:
        document: Document = minidom.parseString(image)
    except DefusedXmlException as exc:
        raise BakingError(f"the SVG uses forbidden XML features: {exc}") from exc
    except Exception as exc:  # expat raises ExpatError, ValueError...
        raise BakingError(f"the SVG is not well-formed XML: {exc}") from exc
    root = document.documentElement
    if root is None or root.localName != "svg" or root.namespaceURI != SVG_NAMESPACE:
        raise BakingError("the image is not an SVG document")
    return document, root


def _credential_elements(document: Document) -> list[Element]:
    return list(document.getElementsByTagNameNS(OB_SVG_NAMESPACE, "credential"))


def bake_svg(
    image: bytes | str, payload: Payload, limits: Limits = DEFAULT_LIMITS
) -> bytes:
    """Return the SVG with the credential baked in (OB 3.0 §5.3.2, SVG baking).

    Adds ``xmlns:openbadges`` on the root and, as its first child, one
    ``<openbadges:credential>`` holding the JSON in CDATA, or the VC-JWT in
    its ``verify`` attribute; an existing one is replaced. The SVG is parsed
    with defusedxml (no entity expansion). Raises BakingError otherwise.
    """
    text, is_jwt = _payload_text(payload)
    document, root = _parse_svg(image, limits)
    for element in _credential_elements(document):
        parent = element.parentNode
        if parent is not None:
            parent.removeChild(element)
    root.setAttributeNS(XMLNS_NAMESPACE, "xmlns:openbadges", OB_SVG_NAMESPACE)
    element = document.createElementNS(OB_SVG_NAMESPACE, "openbadges:credential")
    if is_jwt:
        element.setAttribute("verify", text)
    else:
        # "]]>" can only occur inside a JSON string, where \u003e means ">".
        element.appendChild(
            document.createCDATASection(text.replace("]]>", "]]\\u003e"))
        )
    root.insertBefore(element, root.firstChild)
    return document.toxml(encoding="utf-8")


def extract_svg(image: bytes | str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Return the credential text (JSON or VC-JWT) baked into an SVG (§5.3.2).

    Raises BakingError when the SVG is malformed, uses entities, or holds no
    or several ``openbadges:credential`` elements.
    """
    document, _ = _parse_svg(image, limits)
    elements = _credential_elements(document)
    if not elements:
        raise BakingError("the SVG holds no openbadges:credential element")
    if len(elements) > 1:
        raise BakingError("the SVG holds more than one openbadges:credential element")
    element = elements[0]
    if element.hasAttribute("verify"):
        return str(element.getAttribute("verify")).strip()
    text = "".join(
        node.data for node in element.childNodes if node.nodeType in (3, 4)
    ).strip()
    if not text:
        raise BakingError("the openbadges:credential element is empty")
    return text


def extract(image: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Return the credential text baked into a PNG or SVG, detecting which.

    Raises BakingError when the bytes are neither or hold no credential.
    """
    if is_png(image):
        return extract_png(image, limits)
    if is_svg(image):
        return extract_svg(image, limits)
    raise BakingError("the image is neither a PNG nor an SVG")


def _check_size(image: bytes | str, limits: Limits) -> None:
    if not isinstance(image, bytes | str):
        raise BakingError("an image is given as bytes")
    if len(image) > limits.max_image_bytes:
        raise BakingError(
            f"the image is {len(image)} bytes, more than the "
            f"{limits.max_image_bytes} allowed"
        )

"""Baking credentials into PNG and SVG images and getting them out again."""

from __future__ import annotations

import io
import json
import struct
import zlib
from typing import Any

import pytest
from badge_samples import make_badge
from PIL import Image as PillowImage

from badges.baking import (
    bake_png,
    bake_svg,
    extract,
    extract_png,
    extract_svg,
    is_svg,
)
from badges.errors import BakingError
from badges.jwt import encode_jwt
from badges.keys import Ed25519KeyPair
from badges.limits import Limits

OB_NS = 'xmlns:o="https://purl.imsglobal.org/ob/v3p0"'
SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    '<circle cx="5" cy="5" r="4" fill="teal"/></svg>'
)


@pytest.fixture
def png() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def credential(issuer_key: Ed25519KeyPair) -> dict[str, Any]:
    return make_badge(issuer_key).to_json()


@pytest.fixture
def jwt(credential: dict[str, Any], issuer_key: Ed25519KeyPair) -> str:
    return encode_jwt(credential, issuer_key, issuer_key.did_key_verification_method)


def chunk_list(image: bytes) -> list[tuple[bytes, bytes]]:
    chunks, position = [], 8
    while position < len(image):
        (length,) = struct.unpack(">I", image[position : position + 4])
        kind = image[position + 4 : position + 8]
        data = image[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(
            ">I", image[position + 8 + length : position + 12 + length]
        )
        assert zlib.crc32(kind + data) == crc
        chunks.append((kind, data))
        position += 12 + length
    return chunks


def chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data))
    )


def test_png_round_trip_with_json(png: bytes, credential: dict[str, Any]) -> None:
    baked = bake_png(png, credential)
    assert json.loads(extract_png(baked)) == credential
    assert json.loads(extract(baked)) == credential
    with PillowImage.open(io.BytesIO(baked)) as image:
        image.load()
        assert json.loads(image.text["openbadgecredential"]) == credential


def test_png_round_trip_with_jwt(png: bytes, jwt: str) -> None:
    assert extract_png(bake_png(png, jwt)) == jwt


def test_png_holds_exactly_one_uncompressed_itxt_chunk_before_iend(
    png: bytes, credential: dict[str, Any], jwt: str
) -> None:
    baked = bake_png(bake_png(png, credential), jwt)
    chunks = chunk_list(baked)
    itxt = [data for kind, data in chunks if kind == b"iTXt"]
    assert len(itxt) == 1
    assert itxt[0].startswith(b"openbadgecredential\0\0\0\0\0")
    assert chunks[-1][0] == b"IEND"
    assert chunks[-2][0] == b"iTXt"
    assert extract_png(baked) == jwt


def test_other_text_chunks_are_kept(png: bytes, jwt: str) -> None:
    other = chunk(b"iTXt", b"Comment\0\0\0\0\0hello")
    with_comment = png[:-12] + other + png[-12:]
    baked = bake_png(with_comment, jwt)
    kinds = [
        data.split(b"\0")[0] for kind, data in chunk_list(baked) if kind == b"iTXt"
    ]
    assert kinds == [b"Comment", b"openbadgecredential"]


def itxt(text: bytes, flag: int = 0) -> bytes:
    return chunk(b"iTXt", b"openbadgecredential\0" + bytes([flag, 0]) + b"\0\0" + text)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda png: b"GIF89a" + png[6:], "not a PNG"),
        (lambda png: png[:-12], "no IEND"),
        (lambda png: png[:20], "chunk header|past the end"),
        (lambda png: png[:-1] + bytes([png[-1] ^ 1]), "bad CRC"),
        (lambda png: png[:8] + b"\xff\xff\xff\xffIHDR" + png[16:], "past the end"),
        (lambda png: png, "no openbadgecredential"),
        (
            lambda png: png[:-12] + itxt(b"{}") + itxt(b"{}") + png[-12:],
            "more than one",
        ),
        (
            lambda png: png[:-12] + itxt(zlib.compress(b"{}"), 1) + png[-12:],
            "compressed",
        ),
        (lambda png: png[:-12] + itxt(b"\xff\xfe") + png[-12:], "not UTF-8"),
        (
            lambda png: (
                png[:-12] + chunk(b"iTXt", b"openbadgecredential\0\0") + png[-12:]
            ),
            "malformed",
        ),
    ],
)
def test_bad_pngs_are_refused(png: bytes, build: Any, message: str) -> None:
    with pytest.raises(BakingError, match=message):
        extract_png(build(png))


def test_baking_refuses_bad_payloads_and_huge_images(png: bytes) -> None:
    with pytest.raises(BakingError, match="VC-JWT"):
        bake_png(png, "not a jwt")
    with pytest.raises(BakingError, match="credential object"):
        bake_png(png, 42)  # type: ignore[arg-type]
    with pytest.raises(BakingError, match="more than"):
        bake_png(png, "a.b.c", Limits(max_image_bytes=10))
    with pytest.raises(BakingError, match="bytes"):
        extract_png(None)  # type: ignore[arg-type]


def test_svg_round_trip_with_json_in_cdata(credential: dict[str, Any]) -> None:
    baked = bake_svg(SVG, credential)
    text = baked.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text
    assert "<openbadges:credential><![CDATA[{" in text
    assert text.index("<openbadges:credential>") < text.index("<circle")
    assert json.loads(extract_svg(baked)) == credential
    assert json.loads(extract(baked)) == credential


def test_svg_round_trip_with_jwt_in_verify(jwt: str) -> None:
    baked = bake_svg(SVG.encode(), jwt)
    assert f'verify="{jwt}"' in baked.decode()
    assert extract_svg(baked) == jwt


def test_svg_baking_replaces_an_existing_credential(
    credential: dict[str, Any], jwt: str
) -> None:
    baked = bake_svg(bake_svg(SVG, credential), jwt)
    assert baked.decode().count("openbadges:credential") == 1
    assert extract_svg(baked) == jwt


def test_json_that_contains_a_cdata_terminator_survives(
    credential: dict[str, Any],
) -> None:
    credential["name"] = "Tricky ]]> name <b>&amp;"
    baked = bake_svg(SVG, credential)
    assert json.loads(extract_svg(baked)) == credential


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    '<svg xmlns="http://www.w3.org/2000/svg">&lol2;</svg>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (BILLION_LAUGHS, "forbidden XML"),
        (EXTERNAL_ENTITY, "forbidden XML"),
        ("<svg xmlns='http://www.w3.org/2000/svg'>", "not well-formed"),
        ("<html><svg/></html>", "not an SVG"),
        ("<svg/>", "not an SVG"),
        (SVG, "no openbadges:credential"),
        (
            SVG.replace(
                "<circle",
                '<o:credential xmlns:o="https://purl.imsglobal.org/ob/v3p0">{}'
                '</o:credential><o:credential xmlns:o="https://purl.imsglobal.org/ob/v3p0"/>'
                "<circle",
            ),
            "more than one",
        ),
        (
            SVG.replace(
                "<circle",
                f"<o:credential {OB_NS}>  </o:credential><circle",
            ),
            "empty",
        ),
    ],
)
def test_bad_svgs_are_refused(svg: str, message: str) -> None:
    with pytest.raises(BakingError, match=message):
        extract_svg(svg)


def test_svg_baking_refuses_xml_bombs(jwt: str) -> None:
    with pytest.raises(BakingError, match="forbidden XML"):
        bake_svg(BILLION_LAUGHS, jwt)


def test_svg_with_a_doctype_and_plain_text_still_bakes(jwt: str) -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>Badge</text></svg>'
    )
    assert extract_svg(bake_svg(svg, jwt)) == jwt
    plain = SVG.replace(
        "<circle",
        f'<o:credential {OB_NS}> {{"a": 1}} </o:credential><circle',
    )
    assert extract_svg(plain) == '{"a": 1}'


def test_extract_detects_the_format() -> None:
    assert is_svg(SVG.encode())
    assert not is_svg(b"\x89PNG")
    with pytest.raises(BakingError, match="neither"):
        extract(b"GIF89a")

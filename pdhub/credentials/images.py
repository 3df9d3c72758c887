"""Badge pictures to bake credentials into (PNG and SVG) and the PDF certificate."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from typing import TypedDict
from xml.sax.saxutils import escape

import resvg_py
import segno
from flask_babel import format_date
from fpdf import FPDF

from pdhub.learning.models import Module
from pdhub.verification.messages import _, language, ngettext

BRAND = (29, 78, 137)
PNG_SIZE = 400


class FontFamilies(TypedDict):
    sans_serif_family: str
    serif_family: str


#: Generic font families for badge art that names Helvetica, Arial or "sans-serif":
#: DejaVu is what Debian installs with fontconfig (fonts-dejavu-core).
FONT_FAMILIES: FontFamilies = {
    "sans_serif_family": "DejaVu Sans",
    "serif_family": "DejaVu Serif",
}


def render_svg(svg: bytes, size: int = PNG_SIZE) -> bytes:
    """A square PNG of ``size`` pixels drawn from SVG artwork (resvg: no scripts, no
    network). Raises ValueError for SVG it cannot draw."""
    return bytes(
        resvg_py.svg_to_bytes(
            svg_string=svg.decode("utf-8"), width=size, height=size, **FONT_FAMILIES
        )
    )


def badge_png(module: Module, size: int = PNG_SIZE) -> bytes:
    """A PNG of the module's designed badge: its own PNG, or its SVG artwork drawn."""
    if module.badge_media_type == "image/png":
        return bytes(module.badge_image)
    return render_svg(bytes(module.badge_image), size)


def badge_svg(module: Module) -> bytes:
    """The module's SVG badge, or a simple SVG medal when the badge is a PNG."""
    if module.badge_media_type == "image/svg+xml":
        return bytes(module.badge_image)
    name = escape(module.badge_name)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" '
        f'height="200" role="img"><title>{name}</title>'
        '<circle cx="100" cy="100" r="92" fill="#1d4e89"/>'
        '<text x="100" y="108" text-anchor="middle" font-family="Arial, sans-serif" '
        f'font-size="14" fill="#ffffff">{name}</text></svg>'
    ).encode()


def _latin1(text: str) -> str:
    # The PDF core fonts cover Latin-1 only; decompose accents, drop the rest.
    if all(ord(ch) < 256 for ch in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ord(ch) < 256) or "?"


def certificate_pdf(
    *,
    recipient: str,
    badge_name: str,
    description: str,
    hours: float,
    issued_at: datetime,
    credential_id: str,
    verify_url: str,
    png: bytes,
) -> bytes:
    """A one-page landscape certificate with a QR code to the verification page,
    in the reader's language (the core fonts cover Latin-1, so Spanish accents
    print as they are)."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(_latin1(f"{badge_name} - {recipient}"))
    pdf.set_author("PD Hub")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.image(io.BytesIO(png), x=20, y=25, w=55, h=55)
    pdf.set_text_color(*BRAND)
    pdf.set_font("Helvetica", "B", 28)
    pdf.set_xy(85, 28)
    pdf.cell(190, 12, _latin1(_("Certificate of Professional Learning")))
    pdf.set_text_color(30, 30, 30)
    pdf.set_font("Helvetica", "", 14)
    pdf.set_xy(85, 48)
    pdf.cell(190, 8, _latin1(_("This certifies that")))
    pdf.set_font("Helvetica", "B", 24)
    pdf.set_xy(85, 58)
    pdf.cell(190, 12, _latin1(recipient))
    pdf.set_font("Helvetica", "", 14)
    pdf.set_xy(85, 74)
    pdf.cell(190, 8, _latin1(_("earned the micro-credential")))
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_xy(85, 84)
    pdf.multi_cell(190, 9, _latin1(badge_name))
    pdf.set_font("Helvetica", "", 12)
    pdf.set_xy(20, 110)
    pdf.multi_cell(200, 6, _latin1(description[:600]))
    pdf.set_xy(20, 150)
    hours_text = ngettext(
        "%(hours)s professional development hour",
        "%(hours)s professional development hours",
        1 if hours == 1 else 2,
        hours=format(hours, "g"),
    )
    day = (
        issued_at.strftime("%-d %B %Y")
        if language() == "en"
        else str(format_date(issued_at, "long"))
    )
    pdf.cell(
        200,
        7,
        _latin1(_("%(hours)s - issued %(date)s", hours=hours_text, date=day)),
    )
    pdf.set_font("Helvetica", "", 9)
    pdf.set_xy(20, 160)
    pdf.cell(200, 6, _latin1(_("Credential %(id)s", id=credential_id)))
    pdf.set_xy(20, 167)
    pdf.multi_cell(
        200,
        5,
        _latin1(
            _(
                "Verify it with any Open Badges 3.0 verifier, or scan the "
                "code to check it on PD Hub:"
            )
        ),
    )
    pdf.set_xy(20, 178)
    pdf.set_text_color(*BRAND)
    pdf.cell(200, 6, _latin1(verify_url[:140]), link=verify_url)
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=230, y=140, w=45, h=45)
    return bytes(pdf.output())

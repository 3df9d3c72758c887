"""The built-in pictures a workshop badge may use: a ribbon medal in one of a few
colours, with the workshop's initials, as SVG (embedded in the credential)."""

from __future__ import annotations

import base64
from html import escape

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

#: Design key: (label, main colour, ribbon colour).
DESIGNS: dict[str, tuple[LazyString, str, str]] = {
    "blue": (_l("Blue medal"), "#1d4f91", "#5b8fd6"),
    "green": (_l("Green medal"), "#1e6b3a", "#5fae73"),
    "gold": (_l("Gold medal"), "#8a5a00", "#e0b040"),
    "purple": (_l("Purple medal"), "#5b2a86", "#a07cc5"),
}


def initials(name: str) -> str:
    words = [w for w in name.replace(":", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:3]).upper() or "PD"


def badge_svg(design: str, name: str) -> bytes:
    _label, main, ribbon = DESIGNS.get(design, DESIGNS["blue"])
    text = escape(initials(name))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" '
        'viewBox="0 0 200 200" role="img">'
        f"<title>{escape(name)}</title>"
        f'<path d="M70 120 L50 195 L80 180 L100 198 L100 120 Z" fill="{ribbon}"/>'
        f'<path d="M130 120 L150 195 L120 180 L100 198 L100 120 Z" fill="{ribbon}"/>'
        f'<circle cx="100" cy="85" r="78" fill="{main}"/>'
        '<circle cx="100" cy="85" r="64" fill="none" stroke="#ffffff" '
        'stroke-width="4"/>'
        '<text x="100" y="100" font-family="sans-serif" font-size="44" '
        f'font-weight="bold" fill="#ffffff" text-anchor="middle">{text}</text>'
        "</svg>"
    ).encode()


def data_url(design: str, name: str) -> str:
    encoded = base64.b64encode(badge_svg(design, name)).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"

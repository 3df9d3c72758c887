"""Lesson Markdown to HTML: markdown-it-py with raw HTML off, then nh3 sanitizing."""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}


def render_markdown(text: str) -> str:
    """Render CommonMark (raw HTML off, tables, strikethrough) to sanitized HTML."""
    html = _markdown().render(text)
    # markdown-it already refuses javascript:/vbscript: links; nh3 (Ammonia) is the
    # second wall: an allow-list of tags, attributes and URL schemes.
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
        strip_comments=True,
    )

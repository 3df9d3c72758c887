"""Every table sits in the scrolling region of ``macros.table_region``: on a phone a
wide table scrolls inside it, and the region is a named tab stop, so a keyboard
reaches it and scrolls it (the browser tests check that in Chromium at 390×844)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parents[1] / "pdhub" / "templates"
_TAGS = re.compile(
    r"\{%-?\s*call\s+table_region\b|\{%-?\s*endcall\b|<table\b|class=\"table-wrap\""
)


def tables_outside_a_region(source: str) -> list[int]:
    """Line numbers of ``<table>`` tags not inside ``{% call table_region(...) %}``,
    and of hand-written ``table-wrap`` wrappers."""
    depth, found = 0, []
    for match in _TAGS.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        tag = match.group()
        if "table_region" in tag:
            depth += 1
        elif "endcall" in tag:
            depth = max(0, depth - 1)
        elif (tag.startswith("<table") and depth == 0) or "table-wrap" in tag:
            found.append(line)
    return found


def test_every_table_in_every_template_is_in_a_scrolling_region() -> None:
    templates = [
        p for p in sorted(TEMPLATES.rglob("*.html")) if p.name != "macros.html"
    ]
    with_tables = [p for p in templates if "<table" in p.read_text()]
    assert len(with_tables) >= 15, "the templates' tables were not found"
    bare = {
        str(path.relative_to(TEMPLATES)): lines
        for path in templates
        if (lines := tables_outside_a_region(path.read_text()))
    }
    assert bare == {}, "use {% call table_region('What it shows') %} around these"


def test_the_check_finds_a_bare_table() -> None:
    source = (
        '<div class="table-wrap"><table></table></div>\n'
        '{% call table_region("Rubric") %}<table></table>{% endcall %}\n<table>'
    )
    assert tables_outside_a_region(source) == [1, 1, 3]


def test_the_region_is_a_named_tab_stop() -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    html = env.from_string(
        '{% from "macros.html" import table_region %}'
        '{% call table_region("Rubric for <Equity>") %}<table></table>{% endcall %}'
        '{% call table_region(labelledby="t") %}<table></table>{% endcall %}'
    ).render()
    assert html == Markup(
        '<div class="table-wrap" role="region" tabindex="0"'
        ' aria-label="Rubric for &lt;Equity&gt;"><table></table></div>'
        '<div class="table-wrap" role="region" tabindex="0"'
        ' aria-labelledby="t"><table></table></div>'
    )

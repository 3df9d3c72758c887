"""Bar charts drawn on the server as SVG: no script, a title and description for
screen readers, and the same figures in a table beside each chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count

from markupsafe import Markup, escape

WIDTH = 480
LABEL_WIDTH = 170
BAR_HEIGHT = 22
GAP = 8
#: Labels longer than this are cut (the table beside the chart has them whole).
LABEL_CHARS = 24

_ids = count(1)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(
    title: str,
    description: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    show: Callable[[float], str] = lambda value: f"{value:g}",
    chart_id: str | None = None,
) -> Markup:
    """A horizontal bar chart of ``bars`` (label, value; None draws no bar), scaled to
    ``maximum`` (or the largest value). A marker line shows ``maximum`` when a bar
    passes it (a target exceeded)."""
    values = [value for _label, value in bars if value is not None]
    top = max([maximum or 0.0, *values, 0.0]) or 1.0
    plot = WIDTH - LABEL_WIDTH - 60
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP) + GAP
    ident = chart_id or f"chart-{next(_ids)}"
    parts = [
        f'<svg role="img" aria-labelledby="{ident}-t {ident}-d" class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{middle:g}" text-anchor="end" '
            f'class="chart-label">{escape(_short(label))}</text>'
        )
        if value is None:
            continue
        length = max(plot * min(value, top) / top, 1 if value else 0)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}" class="chart-bar"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{middle:g}" '
            f'class="chart-value">{escape(show(value))}</text>'
        )
    if maximum and values and max(values) > 0:
        x = LABEL_WIDTH + plot * min(maximum, top) / top
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" '
            f'class="chart-target"/>'
        )
    parts.append("</svg>")
    # Every text that comes from data went through escape() above.
    return Markup("".join(parts))  # noqa: S704

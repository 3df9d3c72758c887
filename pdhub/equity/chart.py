"""Change over time as a small server-rendered SVG line chart (no script); the page
puts the same numbers beside it in a table."""

from __future__ import annotations

from xml.sax.saxutils import escape

from markupsafe import Markup

from pdhub.equity.instrument import Instrument
from pdhub.equity.service import CycleSummary

WIDTH, HEIGHT = 520, 240
LEFT, RIGHT, TOP, BOTTOM = 110, 20, 16, 40
#: Colours that stay apart for the common colour-vision differences; each line also
#: has its own marker shape, so colour is never the only cue.
COLOURS = ("#1d4e89", "#c05600", "#2e7d32", "#6a1b9a")
MARKERS = ("circle", "square", "diamond", "triangle")


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
    if shape == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            f'fill="{colour}"/>'
        )
    if shape == "diamond":
        corners = [(x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y)]
    else:
        corners = [(x, y - 5), (x + 5, y + 4), (x - 5, y + 4)]
    points = " ".join(f"{px:.1f},{py:.1f}" for px, py in corners)
    return f'<polygon points="{points}" fill="{colour}"/>'


def line_chart(
    summaries: list[CycleSummary], instrument: Instrument, *, by: str, title: str
) -> Markup:
    """One line per area (``by="area"``) or divide (``by="divide"``) across cycles,
    the mean consensus level on the scale's axis. Empty when there is nothing yet."""
    if not summaries or not any(s.decided for s in summaries):
        return Markup("")
    series = (
        [(a.id, a.title) for a in instrument.areas]
        if by == "area"
        else [(d.id, d.title) for d in instrument.divides]
    )
    top = instrument.top_level
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(summaries) - 1, 1)

    def x_at(index: int) -> float:
        return LEFT + (index * step if len(summaries) > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 20 * len(series)}" '
        f'class="equity-chart" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for level in instrument.scale:
        y = y_at(level.level)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{escape(level.title)}</text>'
        )
    for index, summary in enumerate(summaries):
        parts.append(
            f'<text x="{x_at(index):.1f}" y="{HEIGHT - BOTTOM + 18}" '
            'text-anchor="middle" font-size="11" fill="#333">'
            f"{escape(summary.cycle.name)}</text>"
        )
    for number, (key, label) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        shape = MARKERS[number % len(MARKERS)]
        points = []
        for index, summary in enumerate(summaries):
            value = getattr(summary, f"by_{by}").get(key)
            if value is not None:
                points.append((x_at(index), y_at(value)))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                'stroke-width="2"/>'
            )
        parts.extend(_marker(shape, x, y, colour) for x, y in points)
        legend_y = HEIGHT + 20 * number + 4
        parts.append(_marker(shape, LEFT, legend_y, colour))
        parts.append(
            f'<text x="{LEFT + 12}" y="{legend_y + 4}" font-size="12" fill="#333">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    # Safe: every text in it (titles, cycle names) went through escape() above.
    return Markup("".join(parts))  # noqa: S704

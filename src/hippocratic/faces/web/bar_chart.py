"""A bar chart as inline SVG, drawn here so a page needs no chart library and no CDN.

The chart is an image with a title and a description naming every bar's value (for a screen
reader), each bar carries its own tooltip, and the page puts the same numbers in a table
beside it. Colours come from the page's stylesheet (``.chart`` classes), so it follows the
console's theme and high-contrast settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 200
MARGIN_LEFT = 36
MARGIN_BOTTOM = 36
MARGIN_TOP = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    alert: bool = False
    """Drawn in the alert colour (an overdue band)."""


def _ticks(top: int) -> list[int]:
    """Up to five round values from 0 to ``top`` for the y axis."""
    if top <= 0:
        return [0]
    step = max(1, -(-top // 4))
    return list(range(0, top + step, step))


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, every: int = 1) -> Markup:
    """The SVG: ``every`` labels every n-th bar on the x axis (all values stay in the
    description and the tooltips)."""
    ticks = _ticks(max((b.value for b in bars), default=0))
    top = max(ticks[-1], 1)
    inner_w = WIDTH - MARGIN_LEFT - 8
    inner_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = inner_w / max(len(bars), 1)
    base = MARGIN_TOP + inner_h
    said = "; ".join(f"{b.label}: {b.value}" for b in bars)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(said) or "no data"}</desc>',
    ]
    for tick in ticks:
        y = base - inner_h * tick / top
        parts.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{MARGIN_LEFT - 4}" y="{y + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    for n, bar in enumerate(bars):
        h = inner_h * bar.value / top
        x = MARGIN_LEFT + n * slot + slot * 0.15
        kind = "bar alert" if bar.alert else "bar"
        parts.append(
            f'<rect class="{kind}" x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}"><title>{escape(bar.label)}: {bar.value}</title></rect>'
        )
        if n % every == 0:
            parts.append(
                f'<text class="axis" x="{x + slot * 0.35:.1f}" y="{base + 16}" '
                f'text-anchor="middle">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value interpolated above is escaped

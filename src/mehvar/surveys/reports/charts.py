"""Report charts drawn on the server as SVG: no JavaScript, crisp on a phone, printable.

``trend_chart`` draws one value per Jalali month as a line with its points, an optional 95% band (NPS)
and a zero line when the scale crosses zero. In a right-to-left page time runs from right to left, as the
page is read: the first month sits at the right edge and the value axis on the right side. Labels use the
page's digits (Persian in Persian). Every chart carries a title and a description for screen readers; the
table under it holds the same numbers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from mehvar.core.text import localize_digits

WIDTH, HEIGHT = 640, 240
PAD_TOP, PAD_BOTTOM, PAD_SIDE, PAD_AXIS = 16, 40, 16, 44


@dataclass(frozen=True)
class Point:
    label: str  # the month's name, short
    value: float | None  # None: no responses that month (a gap in the line)
    low: float | None = None
    high: float | None = None


def _fmt(value: float, digits: str) -> str:
    text = f"{value:.0f}" if abs(value - round(value)) < 1e-9 or abs(value) >= 10 else f"{value:.1f}"
    # a left-to-right mark keeps the minus sign before the number inside right-to-left text
    return "\u200e" + localize_digits(text.replace("-", "−"), digits)


def trend_chart(
    points: Sequence[Point],
    *,
    low: float,
    high: float,
    title: str,
    description: str,
    rtl: bool,
    digits: str,
    ticks: Sequence[float] = (),
) -> SafeString:
    """An SVG line chart of ``points`` on the scale [low, high]."""
    count = max(len(points), 1)
    plot_start = PAD_SIDE + (0 if rtl else PAD_AXIS)
    plot_end = WIDTH - PAD_SIDE - (PAD_AXIS if rtl else 0)
    plot_width = plot_end - plot_start
    bottom = HEIGHT - PAD_BOTTOM
    step = plot_width / count

    def x(index: int) -> float:
        offset = step * (index + 0.5)
        return plot_end - offset if rtl else plot_start + offset

    def y(value: float) -> float:
        share = (min(max(value, low), high) - low) / (high - low or 1)
        return bottom - share * (bottom - PAD_TOP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
        f'aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
    ]
    axis_x = plot_end + 6 if rtl else plot_start - 6
    anchor = "start" if rtl else "end"
    for tick in ticks or (low, (low + high) / 2, high):
        ty = y(tick)
        css = "chart-zero" if tick == 0 and low < 0 < high else "chart-grid"
        parts.append(f'<line class="{css}" x1="{plot_start}" x2="{plot_end}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        parts.append(
            f'<text class="chart-axis" x="{axis_x}" y="{ty + 4:.1f}" text-anchor="{anchor}">'
            f"{_fmt(tick, digits)}</text>"
        )
    band_top = [(x(i), y(p.high)) for i, p in enumerate(points) if p.value is not None and p.high is not None]
    band_low = [(x(i), y(p.low)) for i, p in enumerate(points) if p.value is not None and p.low is not None]
    if len(band_top) > 1 and len(band_top) == len(band_low):
        outline = band_top + list(reversed(band_low))
        parts.append(
            '<polygon class="chart-band" points="'
            + " ".join(f"{px:.1f},{py:.1f}" for px, py in outline)
            + '"/>'
        )
    segment: list[str] = []
    lines: list[list[str]] = []
    for index, point in enumerate(points):
        if point.value is None:
            if segment:
                lines.append(segment)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point.value):.1f}")
    if segment:
        lines.append(segment)
    for line in lines:
        parts.append(f'<polyline class="chart-line" points="{" ".join(line)}"/>')
    for index, point in enumerate(points):
        px = x(index)
        parts.append(
            f'<text class="chart-label" x="{px:.1f}" y="{bottom + 18}" text-anchor="middle">'
            f"{escape(point.label)}</text>"
        )
        if point.value is None:
            continue
        py = y(point.value)
        shown = _fmt(point.value, digits)
        parts.append(
            f'<circle class="chart-point" cx="{px:.1f}" cy="{py:.1f}" r="4"><title>{shown}</title></circle>'
        )
        parts.append(
            f'<text class="chart-value" x="{px:.1f}" y="{py - 9:.1f}" text-anchor="middle">{shown}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped or a number we formatted

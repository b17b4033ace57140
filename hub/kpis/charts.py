"""Bar-chart geometry for the KPI page: numbers in, rectangles out (the template draws them as inline SVG)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT, TOP, BOTTOM = 560, 150, 14, 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str  # the value as shown (tooltip and table)
    missing: bool = False


@dataclass
class Chart:
    """One series over the buckets: its title, the scale's top as text, and one bar per bucket."""

    title: str
    key: str
    top_text: str
    bars: list[Bar] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM


def _text(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "h":
        return f"{value / 3600:.1f} h"
    return f"{value:g}" if unit == "" else f"{value:.2f} {unit}"


def bar_chart(title: str, key: str, labels: list[str], values: list[Any], *, unit: str = "") -> Chart:
    """Bars scaled to the largest value (rates to 100%); a missing value (no data that bucket) is a flat mark."""
    numbers = [float(v) if v is not None else None for v in values]
    top = 1.0 if unit == "%" else max([v for v in numbers if v is not None] or [0.0])
    top = top or 1.0
    plot = HEIGHT - TOP - BOTTOM
    step = WIDTH / max(len(labels), 1)
    width = max(step * 0.7, 1.0)
    chart = Chart(title, key, _text(top, unit))
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        height = 0.0 if value is None else plot * min(value / top, 1.0)
        chart.bars.append(
            Bar(
                x=round(i * step + (step - width) / 2, 1),
                y=round(HEIGHT - BOTTOM - height, 1),
                width=round(width, 1),
                height=round(height, 1),
                label=label,
                text=_text(value, unit),
                missing=value is None,
            )
        )
    return chart

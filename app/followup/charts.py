"""Geometry of the follow-up charts (stacked bars, an optional target line) for SVG templates.

Series are told apart by pattern and by a legend with text, never by colour alone; the numbers
themselves are always in a table beside the chart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PATTERNS = ("solid", "hatch", "dots", "cross")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 10, 40


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    pattern: str
    title: str


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)  # x, category
    ticks: list[tuple[float, str]] = field(default_factory=list)  # y, value
    target: tuple[float, str] | None = None  # y, label
    legend: list[tuple[str, str]] = field(default_factory=list)  # pattern, series name
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM


def _nice_max(value: Decimal) -> Decimal:
    """Four times a round tick of at least 1 (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k)."""
    tick = max(value / 4, Decimal(1))
    power = Decimal(1)
    while power * 10 <= tick:
        power *= 10
    for factor in ("1", "1.5", "2", "2.5", "3", "4", "5", "6", "8", "10"):
        if power * Decimal(factor) >= tick:
            return power * Decimal(factor) * 4
    return power * 40


def _short(value: Decimal) -> str:
    """Axis labels: '1,2 mn', '400 tn', '1,5'."""
    for size, unit in ((1_000_000, " mn"), (1000, " tn")):
        if abs(value) >= size:
            return _trim(value / size) + unit
    return _trim(value)


def _trim(value: Decimal) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def stacked_bars(title: str, categories: list[str], series: list[tuple[str, list[Decimal]]],
                 target: Decimal | None = None, target_label: str = "") -> Chart:
    """One bar per category, the series stacked bottom-up in the given order."""
    chart = Chart(title)
    sums = [sum((max(values[i], Decimal(0)) for _n, values in series), Decimal(0))
            for i in range(len(categories))]
    top = _nice_max(max([*sums, target or Decimal(0), Decimal(0)]))
    plot_h = chart.plot_bottom - TOP
    slot = (chart.plot_right - chart.plot_left) / max(len(categories), 1)

    def y_of(value: Decimal) -> float:
        return round(chart.plot_bottom - float(value / top) * plot_h, 1)

    for i, category in enumerate(categories):
        x = round(chart.plot_left + i * slot + slot * 0.15, 1)
        base = Decimal(0)
        for index, (name, values) in enumerate(series):
            value = max(values[i], Decimal(0))
            if value:
                y_top = y_of(base + value)
                chart.bars.append(Bar(x, y_top, round(slot * 0.7, 1), round(y_of(base) - y_top, 1),
                                      PATTERNS[index % len(PATTERNS)], f"{category}, {name}: {value}"))
            base += value
        chart.labels.append((round(chart.plot_left + (i + 0.5) * slot, 1), category))
    chart.ticks = [(y_of(top * k / 4), _short(top * k / 4)) for k in range(5)]
    if target is not None:
        chart.target = (y_of(target), target_label)
    chart.legend = [(PATTERNS[i % len(PATTERNS)], name) for i, (name, _v) in enumerate(series)]
    return chart


def figure_chart(title: str, months: list[str], cells: list, target: Decimal | None,
                 target_label: str, series_name: str) -> Chart:
    """A key figure's monthly bars; hidden cells (fewer than five people) draw no bar."""
    values = [Decimal(0) if c.hidden or c.value is None else Decimal(c.value) for c in cells]
    return stacked_bars(title, [m[5:] for m in months], [(series_name, values)], target, target_label)

"""Chart geometry: round axis ticks, stacked bars, hidden cells draw nothing."""
from decimal import Decimal

from app.followup import charts
from app.followup.figures import Cell


def test_axis_top_is_four_round_ticks():
    assert charts._nice_max(Decimal(44)) == 60       # tick 11 → 15
    assert charts._nice_max(Decimal(3)) == 4         # ticks are at least 1
    assert charts._nice_max(Decimal(482905)) == 600000  # tick 120 726 → 150 000
    assert charts._nice_max(Decimal(100)) == 100     # percentages: tick 25
    assert charts._nice_max(Decimal(0)) == 4


def test_bars_stack_and_legend_names_each_pattern():
    chart = charts.stacked_bars("t", ["01", "02"], [("a", [Decimal(2), Decimal(0)]),
                                                    ("b", [Decimal(2), Decimal(4)])])
    assert [(b.pattern, b.height) for b in chart.bars] == [("solid", 105.0), ("hatch", 105.0),
                                                           ("hatch", 210.0)]
    assert chart.legend == [("solid", "a"), ("hatch", "b")]


def test_hidden_cells_draw_no_bar():
    chart = charts.figure_chart("t", ["2026-01", "2026-02"], [Cell(3, 3), Cell(7, 7)], None, "", "x")
    assert len(chart.bars) == 1 and chart.bars[0].title == "02, x: 7"


def test_axis_labels_are_short_swedish_numbers():
    assert [charts._short(Decimal(v)) for v in ("1200", "400", "1500000", "2.5", "0")] == [
        "1,2 tn", "400", "1,5 mn", "2,5", "0"]

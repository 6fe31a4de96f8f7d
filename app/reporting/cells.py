"""The month grid's day cells as HTML, a row at a time.

A page has 25 rows of 28-31 cells, each with an input, a label and five attributes: written by the
template, a cell cost about 40 escapes and look-ups (most of the page's time). This writes the same
markup with what a day's cells share escaped once per page and a row's name once per row.
"""
from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from app.reporting.grid import DayColumn, GridRow


def row_cells_html(row: GridRow, columns: list[DayColumn], today: date, errors: dict | None,
                   posted: dict | None, closed_titles: dict[str, str]) -> Markup:
    """Every day cell of `row`: an input where the day can be reported (with the posted value and
    its error after a failed save), a dot with the reason in its title where it cannot."""
    who = escape(row.client_name)
    titles = {state: escape(text) for state, text in closed_titles.items()}
    parts = []
    for column, value, state in row.row_cells(columns, today):
        if state != "open":
            parts.append(f'<td class="cell out{column.classes}" title="{titles[state]}"><span class="day-label">'
                         f'{column.day.day}</span><span aria-hidden="true">·</span></td>')
            continue
        name = f"c-{row.placement_id}-{column.iso}"
        bad = bool(errors and errors.get(name))
        shown = escape(posted.get(name, value) if posted else value)
        invalid = 'aria-invalid="true"' if bad else ""
        parts.append(
            f'<td class="cell{column.classes}{" has-error" if bad else ""}" data-week="{column.week}">\n'
            f'<label class="day-label" for="{name}">{escape(column.label)}</label>\n'
            f'<input id="{name}" name="{name}" value="{shown}" inputmode="decimal" autocomplete="off"\n'
            f'size="3" maxlength="5" aria-label="{who} {column.iso}"\n'
            f'data-week="{column.week}" {invalid}>\n</td>')
    return Markup("\n".join(parts))

"""CSV and XLSX exports of the follow-up views; both are written from the same rows.

CSV is semicolon separated with a decimal comma, for Swedish Excel. Hidden cells (fewer than five
people) are written '<5' in both.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from app.common.labels import label
from app.common.spreadsheet import safe_cell
from app.followup.budget import Budget
from app.followup.figures import MIN_GROUP, FigureTable

Row = list[str | int | Decimal | None]


def _post_name(post: str) -> str:
    return {"bonus": "Bonus", "total": "Totalt"}.get(post) or label("service_type", post)


def _group_name(dimension: str, group: str) -> str:
    if dimension == "service_type":
        return label("service_type", group)
    return group if dimension == "provider" else label("figure_group", group)


def budget_rows(view: Budget) -> list[Row]:
    rows: list[Row] = [["post", "ram", *(f"{m} godkänt" for m in view.months),
                        *(f"{m} utkast" for m in view.months), "hittills", "takt per månad",
                        "prognos", "över ram"]]
    for line in [*view.posts, view.total]:
        rows.append([_post_name(line.post), line.frame,
                     *(line.months[m][0] for m in view.months), *(line.months[m][1] for m in view.months),
                     line.actual, line.run_rate, line.forecast, "ja" if line.over else "nej"])
    return rows


def figures_rows(tables: list[FigureTable], dimension: str) -> list[Row]:
    months = tables[0].months if tables else []
    rows: list[Row] = [["nyckeltal", "grupp", *months, "hittills i år"]]
    for table in tables:
        for group in table.groups:
            cells = [table.cells[group, key] for key in [*months, "ytd"]]
            rows.append([label("key_figure", table.figure), _group_name(dimension, group),
                         *(f"<{MIN_GROUP}" if c.hidden else c.value for c in cells)])
    return rows


def to_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else f"{v:.2f}".replace(".", ",") if isinstance(v, Decimal)
                         else safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()  # BOM: Excel then reads UTF-8


def to_xlsx(rows: list[Row], sheet: str) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    number = book.add_format({"num_format": "# ##0.00"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r == 0:
                ws.write_string(r, c, str(value), bold)
            elif isinstance(value, Decimal):
                ws.write_number(r, c, value, number)
            elif isinstance(value, int):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, str(value))
    ws.set_column(0, 0, 40)
    ws.set_column(1, len(rows[0]) if rows else 1, 14)
    ws.freeze_panes(1, 1)
    book.close()
    return out.getvalue()

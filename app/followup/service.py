"""Follow-up operations: the dashboard's figures with targets, outside figures and targets entry."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from app.common.errors import ValidationError
from app.common.money import round_money
from app.followup import figures
from app.followup.models import ExternalFigure, FigureTarget
from app.followup.values import put_value
from app.settlement import rules

EXTERNAL_FIGURES = ("households_forsorjningsstod", "local_unemployment")
TARGET_FIGURES = tuple(code for code, _kind in figures.FIGURES) + EXTERNAL_FIGURES


@dataclass
class Dashboard:
    year: int
    through: str
    dimension: str
    tables: list[figures.FigureTable]  # by the chosen dimension
    totals: dict[str, figures.FigureTable]  # figure -> the total table (for the charts)
    targets: dict[str, Decimal]
    external: dict[str, dict[str, Decimal]]  # figure -> period -> value
    kinds: list[figures.KindRow] = field(default_factory=list)  # providers and placements per kind
    answers: dict[str, dict[str, int]] = field(default_factory=dict)  # follow-up kind -> answer -> count
    kept_as_of: date | None = None  # the day the kept figures were computed as of; None: just now
    kept_computed_at: datetime | None = None  # when they were computed
    updating_since: datetime | None = None  # a change they do not show yet (a rewrite is queued)
    groups: GroupPage | None = None  # the page of groups shown when the dimension's groups are paged


@dataclass(frozen=True)
class GroupPage:
    """Which of the dimension's groups (providers) the tables show: GROUPS_PER_PAGE of them."""

    number: int
    pages: int
    first: int  # 1-based position of the first group shown
    last: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


# A table by provider has a column per provider; 20 a page keep a table readable (and the page
# what one reads: 100 providers were 13 000 cells and 777 kB).
GROUPS_PER_PAGE = 20
PAGED_DIMENSIONS = ("provider",)


def _group_page(groups: list[str], number: int) -> tuple[list[str], GroupPage]:
    pages = max(1, -(-len(groups) // GROUPS_PER_PAGE))
    number = min(max(number, 1), pages)
    start = (number - 1) * GROUPS_PER_PAGE
    shown = groups[start:start + GROUPS_PER_PAGE]
    return shown, GroupPage(number, pages, start + 1 if shown else 0, start + len(shown), len(groups))


def check_dimension(dimension: str) -> str:
    if dimension not in figures.DIMENSIONS:
        raise ValidationError("dimension", _l("okänd indelning"))
    return dimension


def dashboard(session: Session, year: int, through: str, dimension: str, as_of: date,
              group_page: int | None = None) -> Dashboard:
    """The key figures of `year` through `through` by `dimension`; with `group_page`, a paged
    dimension's tables show only that page of its groups (the export passes None: every group)."""
    check_dimension(dimension)
    rules.period_bounds(through)
    if not through.startswith(f"{year:04d}-"):
        raise ValidationError("through", _l("månaden måste ligga i det valda året"))
    from app.followup import kept

    # One year's kept rows (rewritten by a job after approvals and late changes, and nightly),
    # read in one statement with whether a rewrite is pending.
    paged = group_page is not None and dimension in PAGED_DIMENSIONS
    page, shown = None, []
    if paged:  # no groups kept: the year is not kept, and read_year says so
        shown, page = _group_page(kept.kept_groups(session, year, dimension), group_page or 1)
    stored = kept.read_year(session, year, through, tuple(dict.fromkeys((dimension, "total"))),
                            {dimension: shown} if paged else None)
    if stored is not None:
        tables, totals = stored.tables[dimension], stored.tables["total"]
    else:  # a year not kept yet (before the first rewrite): from every year's raw rows
        facts = figures.load_facts(session)
        tables = figures.year_tables(facts, year, through, dimension, as_of)
        totals = tables if dimension == "total" else figures.year_tables(facts, year, through, "total", as_of)
        if paged and tables:
            shown, page = _group_page(tables[0].groups, group_page or 1)
            tables = [replace(table, groups=shown) for table in tables]
    # The counts as of the day are kept with the year's figures; counted here for a year not kept.
    counts = (kept.read_counts(session, year) if stored is not None else None) or kept.counted(session, as_of)
    view = Dashboard(year, through, dimension, tables, {t.figure: t for t in totals},
                     targets(session, year), external_figures(session, year),
                     counts.kinds, counts.answers, groups=page)
    if stored is not None:
        view.kept_as_of, view.kept_computed_at = stored.as_of, stored.computed_at
        view.updating_since = stored.updating_since
    return view


@dataclass
class LevelsPage:
    year: int
    tables: dict  # level -> parking rows (parking.year_view)
    kept_as_of: date | None = None  # as Dashboard's
    kept_computed_at: datetime | None = None
    updating_since: datetime | None = None


def levels(session: Session, year: int, today: date) -> LevelsPage:
    """The levels page from the year's kept rows (as the key figures), or computed from the raw
    rows for a year not kept yet."""
    from app.followup import kept, parking

    stored = kept.read_levels(session, year)
    if stored is None:
        return LevelsPage(year, parking.year_view(session, year, today))
    return LevelsPage(year, stored.tables, stored.as_of, stored.computed_at, stored.updating_since)


def targets(session: Session, year: int) -> dict[str, Decimal]:
    return {figure: round_money(Decimal(str(value))) for figure, value in session.execute(
        select(FigureTarget.figure, FigureTarget.value).where(FigureTarget.year == year))}


def set_targets(session: Session, year: int, values: dict[str, Decimal | None]) -> None:
    """Store the year's targets; None removes one."""
    existing = {t.figure: t for t in session.execute(
        select(FigureTarget).where(FigureTarget.year == year)).scalars()}
    for figure, value in values.items():
        if figure not in TARGET_FIGURES:
            raise ValidationError(figure, _l("okänt nyckeltal"))
        put_value(session, existing.get(figure), value, "value",
                  lambda: FigureTarget(figure=figure, year=year, value=value))  # noqa: B023
    session.flush()


def external_figures(session: Session, year: int) -> dict[str, dict[str, Decimal]]:
    result: dict[str, dict[str, Decimal]] = {}
    for figure, period, value in session.execute(
            select(ExternalFigure.figure, ExternalFigure.period, ExternalFigure.value)
            .where(ExternalFigure.period.like(f"{year:04d}-%"))):
        result.setdefault(figure, {})[period] = round_money(Decimal(str(value)))
    return result


def set_external_figure(session: Session, figure: str, period: str, value: Decimal | None) -> None:
    """One month's value of an outside figure; None removes it."""
    if figure not in EXTERNAL_FIGURES:
        raise ValidationError("figure", _l("okänt nyckeltal"))
    try:
        rules.period_bounds(period)
    except ValueError:
        raise ValidationError("period", _l("måste vara en månad som ÅÅÅÅ-MM")) from None
    row = session.execute(select(ExternalFigure).where(
        ExternalFigure.figure == figure, ExternalFigure.period == period)).scalar_one_or_none()
    put_value(session, row, value, "value",
              lambda: ExternalFigure(figure=figure, period=period, value=value))
    session.flush()

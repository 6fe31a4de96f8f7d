"""What management follows besides the platform's own data: outside figures, targets, budget frames."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common.base import Timestamped


class ExternalFigure(Timestamped, table=True):
    """A monthly figure from outside the platform (households on försörjningsstöd, unemployment)."""

    __table_args__ = (UniqueConstraint("figure", "period", name="uq_externalfigure_figure_period"),)

    id: int | None = Field(default=None, primary_key=True)
    figure: str = Field(max_length=50)
    period: str = Field(max_length=7)
    value: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))


class FigureTarget(Timestamped, table=True):
    """A yearly target for a key figure; charts draw it as a line."""

    __table_args__ = (UniqueConstraint("figure", "year", name="uq_figuretarget_figure_year"),)

    id: int | None = Field(default=None, primary_key=True)
    figure: str = Field(max_length=50)
    year: int
    value: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))


class BudgetFrame(Timestamped, table=True):
    """The year's frame (ram) per post: a service type or 'bonus'."""

    __table_args__ = (UniqueConstraint("year", "post", name="uq_budgetframe_year_post"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    post: str = Field(max_length=20)
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))


# --- Kept facts: the key figures and the budget's approved amounts as last computed -----------
# The follow-up pages read these (one year's rows) instead of every year's placements, results,
# settlement lines and attendance; app/followup/kept.py writes them. Each row is a result, not a
# source: removing them all loses nothing (the next refresh makes them again).


class KeptYear(SQLModel, table=True):
    """A year whose key figures and approved budget amounts are kept, and as of which day."""

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    as_of: date
    computed_at: datetime


class KeptFigure(SQLModel, table=True):
    """One cell of a key figure: a month (to_date false) or the year to date through that month."""

    __table_args__ = (
        UniqueConstraint("year", "dimension", "period", "to_date", "grp", "figure", name="uq_keptfigure_cell"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    dimension: str = Field(max_length=20)
    period: str = Field(max_length=7)
    to_date: bool
    grp: str = Field(max_length=200)
    figure: str = Field(max_length=50)
    value: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    n: int


class KeptBudget(SQLModel, table=True):
    """Approved settlement amounts (excl. VAT) per month and budget post; drafts are read live."""

    __table_args__ = (UniqueConstraint("period", "post", name="uq_keptbudget_period_post"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    period: str = Field(max_length=7)
    post: str = Field(max_length=20)
    amount: Decimal = Field(sa_column=Column(Numeric(16, 2), nullable=False))


class KeptChange(SQLModel, table=True):
    """A year whose data changed since (or while) its kept rows were computed.

    `version` is raised in the last statement of every committed transaction that approves a
    settlement of the year or changes data in a settled month of it (row-locked, so versions
    follow commit order); `kept_version` is the version the kept rows were computed at. The year
    is being rewritten (the page says so) while version > kept_version: a job on the queue
    catches up, and the nightly refresh is the backstop.
    """

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = 0
    kept_version: int = 0
    changed_at: datetime  # the last change (UTC)


class KeptCount(SQLModel, table=True):
    """A count of the dashboard's "as of today" tables, kept with the year's figures: approved
    providers and active placements per provider kind (`section` "kinds", `grp` the kind, `item`
    "providers" or "active"), and the follow-up answers (`section` "followups", `grp` the
    follow-up kind, `item` an answer or "unknown": due but not answered). Counting these from
    the placements on every view was most of the key figures page's database time (24 ms at
    20 000 clients)."""

    __table_args__ = (UniqueConstraint("year", "section", "grp", "item", name="uq_keptcount_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    section: str = Field(max_length=20)
    grp: str = Field(max_length=30)
    item: str = Field(max_length=20)
    n: int


class KeptParking(SQLModel, table=True):
    """One row of the levels page (parking.year_view): a provider's (or the municipality's) three
    figures at one level for the year, in the page's order (`position`)."""

    __table_args__ = (UniqueConstraint("year", "position", name="uq_keptparking_year_position"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    position: int
    level: str = Field(max_length=10)
    provider: str = Field(max_length=200)  # "" for the whole municipality
    hours_per_week: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    hours_n: int
    interrupted: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    interrupted_n: int
    result_rate: Decimal | None = Field(default=None, sa_column=Column(Numeric(16, 2), nullable=True))
    result_n: int

"""What management follows besides the platform's own data: outside figures, targets, budget frames."""
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field

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

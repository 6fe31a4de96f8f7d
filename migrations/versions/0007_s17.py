"""s17 settlement warnings stored as runs: one row per placement, reason and run of consecutive days

Upgrade turns the stored day rows into runs (each day's hours kept in day_hours); downgrade
expands them back into one row per day.

Revision ID: s17
Revises: h16
"""
from datetime import date, timedelta
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = 's17'
down_revision = 'h16'
branch_labels = None
depends_on = None

_BATCH = 5000


def _day(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _hours(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def upgrade() -> None:
    with op.batch_alter_table('settlementwarning', schema=None) as batch_op:
        batch_op.alter_column('date', new_column_name='first_date', existing_type=sa.Date(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('last_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('days', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('day_hours', sa.Text(), nullable=False, server_default=''))
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, settlement_id, placement_id, reason, first_date, hours FROM settlementwarning "
        "ORDER BY settlement_id, placement_id, reason, first_date")).all()
    runs = []  # [id of the first day's row, key, last day, [hours per day], [ids of later days]]
    for row_id, settlement_id, placement_id, reason, day, hours in rows:
        key, day = (settlement_id, placement_id, reason), _day(day)
        if runs and runs[-1][1] == key and runs[-1][2] == day - timedelta(days=1):
            runs[-1][2] = day
            runs[-1][3].append(_hours(hours))
            runs[-1][4].append(row_id)
        else:
            runs.append([row_id, key, day, [_hours(hours)], []])
    update = sa.text("UPDATE settlementwarning SET last_date = :last, days = :days, hours = :hours, "
                     "day_hours = :day_hours WHERE id = :id").bindparams(
        sa.bindparam("last", type_=sa.Date()), sa.bindparam("hours", type_=sa.Numeric(12, 2)))
    params = [{"id": run[0], "last": run[2], "days": len(run[3]), "day_hours": " ".join(run[3]),
               "hours": sum((Decimal(h) for h in run[3]), Decimal("0.00"))} for run in runs]
    for i in range(0, len(params), _BATCH):
        conn.execute(update, params[i:i + _BATCH])
    later = [row_id for run in runs for row_id in run[4]]
    table = sa.table('settlementwarning', sa.column('id'))
    for i in range(0, len(later), _BATCH):
        conn.execute(sa.delete(table).where(table.c.id.in_(later[i:i + _BATCH])))
    with op.batch_alter_table('settlementwarning', schema=None) as batch_op:
        batch_op.alter_column('last_date', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('days', existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column('day_hours', existing_type=sa.Text(), server_default=None)


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, settlement_id, placement_id, reason, first_date, day_hours, created_at, updated_at "
        "FROM settlementwarning WHERE days > 1")).all()
    update = sa.text("UPDATE settlementwarning SET hours = :hours WHERE id = :id").bindparams(
        sa.bindparam("hours", type_=sa.Numeric(12, 2)))
    insert = sa.text("INSERT INTO settlementwarning (settlement_id, placement_id, first_date, last_date, "
                     "days, hours, day_hours, reason, created_at, updated_at) VALUES (:settlement_id, "
                     ":placement_id, :day, :day, 1, :hours, :hours_text, :reason, :created_at, :updated_at)").bindparams(
        sa.bindparam("day", type_=sa.Date()), sa.bindparam("hours", type_=sa.Numeric(12, 2)))
    firsts, others = [], []
    for row_id, settlement_id, placement_id, reason, first, day_hours, created_at, updated_at in rows:
        hours = day_hours.split()
        firsts.append({"id": row_id, "hours": Decimal(hours[0])})
        for i, h in enumerate(hours[1:], start=1):
            others.append({"settlement_id": settlement_id, "placement_id": placement_id,
                           "day": _day(first) + timedelta(days=i), "hours": Decimal(h), "hours_text": h,
                           "reason": reason, "created_at": created_at, "updated_at": updated_at})
    for i in range(0, len(firsts), _BATCH):
        conn.execute(update, firsts[i:i + _BATCH])
    for i in range(0, len(others), _BATCH):
        conn.execute(insert, others[i:i + _BATCH])
    with op.batch_alter_table('settlementwarning', schema=None) as batch_op:
        batch_op.drop_column('day_hours')
        batch_op.drop_column('days')
        batch_op.drop_column('last_date')
        batch_op.alter_column('first_date', new_column_name='date', existing_type=sa.Date(),
                              existing_nullable=False)

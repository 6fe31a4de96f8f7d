"""w17 each placement's window, provider and client name kept (placementwindow)

Revision ID: w17
Revises: f17
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'w17'
down_revision = 'f17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('placementwindow',
    sa.Column('placement_id', sa.Integer(), nullable=False, autoincrement=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('client_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('window_to', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('placement_id')
    )
    op.create_index('ix_placementwindow_provider_name', 'placementwindow',
                    ['provider_id', 'client_name', 'ref'], unique=False)
    op.create_index('ix_placementwindow_provider_placement', 'placementwindow',
                    ['provider_id', 'placement_id'], unique=False)
    # The rows of the placements there are (app/kundval/placement_windows.py works them out alike).
    op.execute("""
        INSERT INTO placementwindow (placement_id, provider_id, client_name, ref, window_from, window_to)
        SELECT placement.id, offering.provider_id, client.name, placement.ref,
               CASE WHEN placement.start_date > referral.valid_from THEN placement.start_date
                    ELSE referral.valid_from END,
               CASE WHEN coalesce(placement.ended_on, referral.valid_to) < referral.valid_to
                    THEN coalesce(placement.ended_on, referral.valid_to) ELSE referral.valid_to END
        FROM placement JOIN offering ON offering.id = placement.offering_id
        JOIN referral ON referral.id = placement.referral_id JOIN client ON client.id = referral.client_id
    """)


def downgrade() -> None:
    op.drop_index('ix_placementwindow_provider_placement', table_name='placementwindow')
    op.drop_index('ix_placementwindow_provider_name', table_name='placementwindow')
    op.drop_table('placementwindow')

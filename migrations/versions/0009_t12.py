"""t12 notifications in the reader's language: the message's msgid and variables beside its Swedish text;
the staff user's chosen interface language

Revision ID: t12
Revises: p17
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 't12'
down_revision = 'p17'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('subject_msg', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('body_msg', sa.JSON(), nullable=True))
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('ui_language', sqlmodel.sql.sqltypes.AutoString(length=10),
                                   server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('ui_language')
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('body_msg')
        batch.drop_column('subject_msg')

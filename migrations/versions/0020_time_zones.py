"""the time zone a person sees times in, and their district's default

Revision ID: 0020_tz
Revises: 0009_trust
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_tz'
down_revision = '0009_trust'
branch_labels = None
depends_on = None


def upgrade():
    # Both empty: a person without a choice sees their district's zone, else UTC.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

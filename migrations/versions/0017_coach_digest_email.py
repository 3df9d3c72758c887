"""coaches choose whether to get the daily email of new evidence

Revision ID: 0017_digest
Revises: 0008
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_digest'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # On for everyone: a coach who does not want it turns it off on their account page.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_digest_email', sa.Boolean(), server_default=sa.text('true'), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('review_digest_email')

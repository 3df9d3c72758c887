"""a teacher's choice to share evidence links in the badge

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Off for every existing submission: nobody has chosen to share yet.
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_evidence_in_badge', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('share_evidence_in_badge')

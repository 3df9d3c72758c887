"""whose badge it is: a teacher's choice to be named in a badge, and a batch's
expected email (held until checked) and recipient match

Revision ID: 0012_recipient
Revises: 0019_art
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_recipient'
down_revision = '0019_art'
branch_labels = None
depends_on = None


def upgrade():
    # Off for every existing award: nobody has chosen to be named yet.
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_in_credential', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    with op.batch_alter_table('verification_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('recipient_match', sa.Enum('matches', 'does_not_match', 'not_checked', name='recipient_match', native_enum=False, length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('verification_items', schema=None) as batch_op:
        batch_op.drop_column('recipient_match')
        batch_op.drop_column('expected_email')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_column('name_in_credential')

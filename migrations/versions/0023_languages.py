"""the language a person reads PD Hub in, and their district's default

Revision ID: 0023_lang
Revises: 0022_communities
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_lang'
down_revision = '0022_communities'
branch_labels = None
depends_on = None


def upgrade():
    # Both empty: a person without a choice reads their browser's language, else
    # their district's default, else English.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('default_language', sa.String(length=8), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_column('default_language')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')

"""modules in more than one language: a module's translations, the language an
enrollment is taken in

Revision ID: 0021_languages
Revises: 0010_status
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_languages'
down_revision = '0010_status'
branch_labels = None
depends_on = None


def upgrade():
    # Modules imported before have no translation; enrollments so far were English.
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('translations', sa.JSON(), nullable=False, server_default='{}')
        )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=8), nullable=False, server_default='en')
        )


def downgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('translations')

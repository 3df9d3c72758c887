"""baked PNGs are drawn again from the module's badge art on next download

Revision ID: 0019_art
Revises: 0018_quiz
Create Date: 2026-12-07

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_art'
down_revision = '0018_quiz'
branch_labels = None
depends_on = None


def upgrade():
    # PNGs baked before this showed a generic medal instead of the module's art. The
    # PNG is derived from the signed JSON (unchanged) on first download, so forgetting
    # it makes the next download bake the designed art; the credential stays the same.
    op.execute("UPDATE issued_credentials SET baked_png = NULL")


def downgrade():
    pass  # nothing to undo: the PNG is made again on the next download

"""jwt and baked images made on first download

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Credentials are issued without their VC-JWT and baked PNG/SVG; the first
    # download makes and stores them (see IssuedCredential.jwt and .baked_png).
    with op.batch_alter_table('issued_credentials', schema=None) as batch_op:
        batch_op.alter_column('jwt',
               existing_type=sa.Text(),
               nullable=True)
        batch_op.alter_column('baked_png',
               existing_type=sa.LargeBinary(),
               nullable=True)
        batch_op.alter_column('baked_svg',
               existing_type=sa.LargeBinary(),
               nullable=True)


def downgrade():
    # Fails while a credential was never downloaded as JWT/PNG/SVG (nothing is
    # lost: export them first, e.g. `pdhub credentials export <id> --format png`).
    with op.batch_alter_table('issued_credentials', schema=None) as batch_op:
        batch_op.alter_column('baked_svg',
               existing_type=sa.LargeBinary(),
               nullable=False)
        batch_op.alter_column('baked_png',
               existing_type=sa.LargeBinary(),
               nullable=False)
        batch_op.alter_column('jwt',
               existing_type=sa.Text(),
               nullable=False)

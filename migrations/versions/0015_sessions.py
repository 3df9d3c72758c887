"""sessions that end: "keep me signed in"; recovery codes hashed with argon2id

Revision ID: 0015_sessions
Revises: 0011_conform
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_sessions'
down_revision = '0011_conform'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing session is a short one: nobody has chosen to stay signed in yet.
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('persistent', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    # An argon2id hash is about 100 characters; existing SHA-256 rows (64) stay valid.
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=64), type_=sa.String(length=255), existing_nullable=False)


def downgrade():
    # New-style codes do not fit the old column: they are removed (users make new
    # ones), the old SHA-256 ones stay.
    op.execute("DELETE FROM recovery_codes WHERE length(code_hash) > 64")
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=255), type_=sa.String(length=64), existing_nullable=False)
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('persistent')

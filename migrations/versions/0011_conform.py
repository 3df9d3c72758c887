"""remake every stored VC-JWT without the email hash in sub

Revision ID: 0011_conform
Revises: 0012_recipient
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_conform"
down_revision = "0012_recipient"
branch_labels = None
depends_on = None


def upgrade():
    # VC-JWTs made before this put the recipient's email hash in `sub`, which OB 3.0
    # §8.2 reserves for credentialSubject.id (PD Hub credentials have none), so other
    # verifiers refuse them. The JWT is derived from the stored signed JSON: forget
    # the kept ones and the next download makes each again, without `sub`.
    issued = sa.table("issued_credentials", sa.column("jwt", sa.Text()))
    op.execute(issued.update().where(issued.c.jwt.is_not(None)).values(jwt=None))


def downgrade():
    # Nothing to undo: the JWTs made again are the correct form of the same credential.
    pass

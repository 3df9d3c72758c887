"""the teacher's signed CLR 2.0 transcript (clr_transcripts)

Revision ID: 0038_ob_api
Revises: 0031_equity
Create Date: 2026-12-07 21:40:00

"""

from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0038_ob_api"
down_revision = "0031_equity"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "clr_transcripts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer_key_id", sa.Integer(), nullable=False),
        sa.Column("credential_ids", sa.Text(), nullable=False),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("issued_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("shared_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_key_id"],
            ["issuer_keys.id"],
            name=op.f("fk_clr_transcripts_issuer_key_id_issuer_keys"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_clr_transcripts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clr_transcripts")),
    )
    with op.batch_alter_table("clr_transcripts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clr_transcripts_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("clr_transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clr_transcripts_user_id"))

    op.drop_table("clr_transcripts")

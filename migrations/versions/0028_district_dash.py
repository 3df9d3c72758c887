"""district dashboard: a district's hours target per school year; API tokens gain
scopes and an expiry (tokens made before keep what they could do: verify:batch)

Revision ID: 0028_district_dash
Revises: 0023_community_post_order
Create Date: 2026-12-07 18:00:00

"""

import sqlalchemy as sa
from alembic import op

import pdhub.db

# revision identifiers, used by Alembic.
revision = "0028_district_dash"
down_revision = "0027_exemplars"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hours_targets",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_hours_targets_district_id_districts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("district_id", "year", name=op.f("pk_hours_targets")),
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column(
                "scopes",
                sa.String(length=200),
                server_default="verify:batch",
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("expires_at", pdhub.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
    op.drop_table("hours_targets")

"""account data: exports, retention notices and runs, the district's retention and
erasure settings, when an account was erased and when evidence was purged

Revision ID: 0030_account_data
Revises: 0023_community_post_order
Create Date: 2026-12-07 18:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_account_data"
down_revision = "0023_community_post_order"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("account", "district", name="export_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("pending", "ready", "failed", name="export_status",
                    native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("storage_key", sa.String(length=128), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"],
            name=op.f("fk_data_exports_district_id_districts"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_data_exports_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_data_exports_token_hash")),
    )
    op.create_index(op.f("ix_data_exports_user_id"), "data_exports", ["user_id"])
    op.create_index(
        op.f("ix_data_exports_district_id"), "data_exports", ["district_id"]
    )
    op.create_table(
        "retention_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("evidence", "account", name="retention_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("purge_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_retention_notices_user_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_notices")),
        sa.UniqueConstraint(
            "kind", "subject_id", name=op.f("uq_retention_notices_kind")
        ),
    )
    op.create_index(
        op.f("ix_retention_notices_user_id"), "retention_notices", ["user_id"]
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notices_sent", sa.Integer(), nullable=False),
        sa.Column("evidence_purged", sa.Integer(), nullable=False),
        sa.Column("accounts_erased", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    with op.batch_alter_table("districts") as batch:
        batch.add_column(
            sa.Column("revoke_on_erasure", sa.Boolean(), nullable=False,
                      server_default=sa.false())
        )
        batch.add_column(sa.Column("evidence_retention_days", sa.Integer()))
        batch.add_column(sa.Column("inactive_account_days", sa.Integer()))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("evidence_purged_at", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("evidence_purged_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("districts") as batch:
        batch.drop_column("inactive_account_days")
        batch.drop_column("evidence_retention_days")
        batch.drop_column("revoke_on_erasure")
    op.drop_table("retention_runs")
    op.drop_index(op.f("ix_retention_notices_user_id"), "retention_notices")
    op.drop_table("retention_notices")
    op.drop_index(op.f("ix_data_exports_district_id"), "data_exports")
    op.drop_index(op.f("ix_data_exports_user_id"), "data_exports")
    op.drop_table("data_exports")

"""roster sync: a district's OneRoster 1.2 REST connection (client secret encrypted
with PDHUB_DATA_KEY) and each sync run

Revision ID: 0044_roster_sync
Revises: 0043_lti
Create Date: 2026-12-08 00:45:00

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0044_roster_sync"
down_revision = "0043_lti"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "roster_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("text_key_version", sa.String(length=16), nullable=True),
        sa.Column("schedule", sa.Enum("off", "daily", name="roster_schedule", native_enum=False, length=32), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("last_synced_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_roster_connections_district_id_districts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_roster_connections_updated_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_connections")),
        sa.UniqueConstraint("district_id", name=op.f("uq_roster_connections_district_id")),
    )
    op.create_table(
        "roster_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("scheduled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.Enum("queued", "fetching", "preview", "applying", "done", "failed", name="roster_sync_status", native_enum=False, length=32), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_roster_syncs_district_id_districts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["connection_id"], ["roster_connections.id"], name=op.f("fk_roster_syncs_connection_id_roster_connections"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_roster_syncs_created_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["import_id"], ["roster_imports.id"], name=op.f("fk_roster_syncs_import_id_roster_imports"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_syncs")),
    )
    with op.batch_alter_table("roster_syncs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_syncs_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_syncs_connection_id"), ["connection_id"], unique=False)


def downgrade():
    with op.batch_alter_table("roster_syncs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_syncs_connection_id"))
        batch_op.drop_index(batch_op.f("ix_roster_syncs_district_id"))
    op.drop_table("roster_syncs")
    op.drop_table("roster_connections")

"""single sign-on: each district's OpenID Connect connection (its client secret
encrypted under PDHUB_DATA_KEY) and the email domains it signs in, one district per
domain

Revision ID: 0042_sso
Revises: 0041_endorsements
Create Date: 2026-12-08 00:40:00

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0042_sso"
down_revision = "0041_endorsements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sso_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column(
            "provider",
            sa.Enum(
                "google", "entra", "clever", "classlink", "other",
                name="sso_provider", native_enum=False, length=32,
            ),
            nullable=False,
        ),
        sa.Column("tenant", sa.String(length=100), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("secret_key_version", sa.String(length=16), nullable=False),
        sa.Column("require_sso", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_sso_connections_district_id_districts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_connections")),
        sa.UniqueConstraint("district_id", name=op.f("uq_sso_connections_district_id")),
    )
    op.create_table(
        "sso_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["sso_connections.id"], name=op.f("fk_sso_domains_connection_id_sso_connections"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_sso_domains_domain")),
    )
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_domains_connection_id"), ["connection_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sso_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_domains_connection_id"))
    op.drop_table("sso_domains")
    op.drop_table("sso_connections")

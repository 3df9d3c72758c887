"""wallets: VC-API exchanges that add a badge to a teacher's wallet, and the
wallet-bound credentials they issued

Revision ID: 0041_wallets
Revises: 0040_workshops
Create Date: 2026-12-08 00:40:00

"""

import sqlalchemy as sa
from alembic import op

import pdhub.db

# revision identifiers, used by Alembic.
revision = "0041_wallets"
down_revision = "0040_workshops"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wallet_exchanges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_wallet_exchanges_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_wallet_exchanges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_exchanges")),
    )
    with op.batch_alter_table("wallet_exchanges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_exchanges_credential_id"),
            ["credential_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_exchanges_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "wallet_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("source_credential_id", sa.String(length=36), nullable=False),
        sa.Column("exchange_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("holder_did", sa.String(length=200), nullable=False),
        sa.Column("issuer_key_id", sa.Integer(), nullable=False),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("revocation_list_id", sa.Integer(), nullable=False),
        sa.Column("revocation_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["awards.id"],
            name=op.f("fk_wallet_credentials_award_id_awards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_wallet_credentials_source_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["wallet_exchanges.id"],
            name=op.f("fk_wallet_credentials_exchange_id_wallet_exchanges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_wallet_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_key_id"],
            ["issuer_keys.id"],
            name=op.f("fk_wallet_credentials_issuer_key_id_issuer_keys"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revocation_list_id"],
            ["status_lists.id"],
            name=op.f("fk_wallet_credentials_revocation_list_id_status_lists"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_credentials")),
        sa.UniqueConstraint(
            "exchange_id", name=op.f("uq_wallet_credentials_exchange_id")
        ),
    )
    with op.batch_alter_table("wallet_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_credentials_award_id"), ["award_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_credentials_source_credential_id"),
            ["source_credential_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_wallet_credentials_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("wallet_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_credentials_user_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_credentials_source_credential_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_credentials_award_id"))
    op.drop_table("wallet_credentials")
    with op.batch_alter_table("wallet_exchanges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_exchanges_user_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_exchanges_credential_id"))
    op.drop_table("wallet_exchanges")

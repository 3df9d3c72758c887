"""endorsements: a district's signed OB 3.0 EndorsementCredential of a module's
achievement, with its revocation entry (withdrawing sets it); when each OB 3.0
API token was last used (the teacher's Connected systems page); a pathway
milestone credential's revocation

Revision ID: 0041_endorsements
Revises: 0041_wallets
Create Date: 2026-12-08 00:45:00

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0041_endorsements"
down_revision = "0041_wallets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "endorsements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("endorsed_by_id", sa.Integer(), nullable=True),
        sa.Column("achievement_id", sa.String(length=300), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("issuer_key_id", sa.Integer(), nullable=False),
        sa.Column("revocation_list_id", sa.Integer(), nullable=False),
        sa.Column("revocation_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_endorsements_district_id_districts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_endorsements_module_id_modules"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["endorsed_by_id"], ["users.id"], name=op.f("fk_endorsements_endorsed_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["users.id"], name=op.f("fk_endorsements_withdrawn_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["issuer_key_id"], ["issuer_keys.id"], name=op.f("fk_endorsements_issuer_key_id_issuer_keys"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["revocation_list_id"], ["status_lists.id"], name=op.f("fk_endorsements_revocation_list_id_status_lists"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endorsements")),
        sa.UniqueConstraint("revocation_list_id", "revocation_index", name=op.f("uq_endorsements_revocation_list_id")),
    )
    with op.batch_alter_table("endorsements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_endorsements_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_endorsements_module_id"), ["module_id"], unique=False)

    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.Integer(), nullable=True))

    with op.batch_alter_table("pathway_completions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", pdhub.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revocation_reason", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("pathway_completions", schema=None) as batch_op:
        batch_op.drop_column("revocation_reason")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("endorsements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_endorsements_module_id"))
        batch_op.drop_index(batch_op.f("ix_endorsements_district_id"))
    op.drop_table("endorsements")

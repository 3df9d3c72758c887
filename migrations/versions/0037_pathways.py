"""pathways: required and elective modules that earn a milestone credential, and
each teacher's completion with its signed credential; badges that expire (a module's
valid_for_days, a credential's valid_until) and their reminders

Revision ID: 0037_pathways
Revises: 0034_text_at_rest
Create Date: 2026-12-07 21:20:00

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0037_pathways"
down_revision = "0035_learner_profile"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pathways",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("milestone_name", sa.String(length=200), nullable=False),
        sa.Column("electives_required", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_pathways_district_id_districts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_pathways_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathways")),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathways_district_id"), ["district_id"], unique=False)

    op.create_table(
        "pathway_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=100), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathways.id"], name=op.f("fk_pathway_steps_pathway_id_pathways"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_steps")),
        sa.UniqueConstraint("pathway_id", "module_slug", name=op.f("uq_pathway_steps_pathway_id")),
    )

    op.create_table(
        "pathway_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("credential_json", sa.Text(), nullable=True),
        sa.Column("issuer_key_id", sa.Integer(), nullable=True),
        sa.Column("revocation_list_id", sa.Integer(), nullable=True),
        sa.Column("revocation_index", sa.Integer(), nullable=True),
        sa.Column("issued_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathways.id"], name=op.f("fk_pathway_completions_pathway_id_pathways"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pathway_completions_user_id_users"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["issuer_key_id"], ["issuer_keys.id"], name=op.f("fk_pathway_completions_issuer_key_id_issuer_keys"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["revocation_list_id"], ["status_lists.id"], name=op.f("fk_pathway_completions_revocation_list_id_status_lists"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_completions")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_pathway_completions_credential_id")),
        sa.UniqueConstraint("pathway_id", "user_id", name=op.f("uq_pathway_completions_pathway_id")),
        sa.UniqueConstraint("revocation_list_id", "revocation_index", name=op.f("uq_pathway_completions_revocation_list_id")),
    )
    with op.batch_alter_table("pathway_completions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pathway_completions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_for_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", pdhub.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_issued_credentials_valid_until"), ["valid_until"], unique=False)
    op.create_table(
        "credential_renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("started_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("renewed_credential_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["issued_credentials.id"], name=op.f("fk_credential_renewals_credential_id_issued_credentials"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"], name=op.f("fk_credential_renewals_enrollment_id_enrollments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["renewed_credential_id"], ["issued_credentials.id"], name=op.f("fk_credential_renewals_renewed_credential_id_issued_credentials"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_renewals")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_credential_renewals_credential_id")),
    )
    with op.batch_alter_table("credential_renewals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credential_renewals_enrollment_id"), ["enrollment_id"], unique=False)
    op.create_table(
        "expiry_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("sent_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["issued_credentials.id"], name=op.f("fk_expiry_reminders_credential_id_issued_credentials"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiry_reminders")),
        sa.UniqueConstraint("credential_id", "stage", name=op.f("uq_expiry_reminders_credential_id")),
    )


def downgrade():
    op.drop_table("expiry_reminders")
    with op.batch_alter_table("credential_renewals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_renewals_enrollment_id"))
    op.drop_table("credential_renewals")
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credentials_valid_until"))
        batch_op.drop_column("valid_until")
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_column("valid_for_days")
    with op.batch_alter_table("pathway_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_completions_user_id"))
    op.drop_table("pathway_completions")
    op.drop_table("pathway_steps")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathways_district_id"))
    op.drop_table("pathways")

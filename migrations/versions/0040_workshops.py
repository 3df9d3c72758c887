"""workshops: district-defined achievements for in-person PD, award runs (a CSV or a
cohort's attendance, previewed before issuing) and each attendee's signed award

Revision ID: 0040_workshops
Revises: 0040_coach_renewal
Create Date: 2026-12-08 00:40:00

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0040_workshops"
down_revision = "0040_coach_renewal"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("image", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_workshops_district_id_districts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_workshops_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshops_district_id"), ["district_id"], unique=False)

    op.create_table(
        "workshop_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("cohort_session_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], name=op.f("fk_workshop_runs_workshop_id_workshops"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cohort_session_id"], ["cohort_sessions.id"], name=op.f("fk_workshop_runs_cohort_session_id_cohort_sessions"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_workshop_runs_created_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_runs")),
    )
    with op.batch_alter_table("workshop_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_runs_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "workshop_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("awarded_by_id", sa.Integer(), nullable=True),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("issuer_key_id", sa.Integer(), nullable=False),
        sa.Column("revocation_list_id", sa.Integer(), nullable=False),
        sa.Column("revocation_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshops.id"], name=op.f("fk_workshop_awards_workshop_id_workshops"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_workshop_awards_user_id_users"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["run_id"], ["workshop_runs.id"], name=op.f("fk_workshop_awards_run_id_workshop_runs"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["awarded_by_id"], ["users.id"], name=op.f("fk_workshop_awards_awarded_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["issuer_key_id"], ["issuer_keys.id"], name=op.f("fk_workshop_awards_issuer_key_id_issuer_keys"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["revocation_list_id"], ["status_lists.id"], name=op.f("fk_workshop_awards_revocation_list_id_status_lists"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_awards")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_workshop_awards_credential_id")),
        sa.UniqueConstraint("workshop_id", "user_id", "session_date", name=op.f("uq_workshop_awards_workshop_id")),
        sa.UniqueConstraint("revocation_list_id", "revocation_index", name=op.f("uq_workshop_awards_revocation_list_id")),
    )
    with op.batch_alter_table("workshop_awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_awards_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("workshop_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_awards_user_id"))
    op.drop_table("workshop_awards")
    with op.batch_alter_table("workshop_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_runs_workshop_id"))
    op.drop_table("workshop_runs")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshops_district_id"))
    op.drop_table("workshops")

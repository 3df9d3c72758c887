"""badges from other issuers in a teacher's records (outside_badges), and pathway
electives that such a badge of a trusted issuer counts for (pathway_outside_steps)

Revision ID: 0039_backpack
Revises: 0032_coach_tools
Create Date: 2026-12-08 01:00:00

"""

import sqlalchemy as sa
from alembic import op

import pdhub.db

# revision identifiers, used by Alembic.
revision = "0039_backpack"
down_revision = "0032_coach_tools"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outside_badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=500), nullable=False),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("issuer_id", sa.String(length=500), nullable=False),
        sa.Column("issuer_name", sa.String(length=300), nullable=False),
        sa.Column("achievement_id", sa.String(length=500), nullable=False),
        sa.Column("achievement_name", sa.String(length=300), nullable=False),
        sa.Column("added_via", sa.String(length=20), nullable=False),
        sa.Column("checked_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_outside_badges_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outside_badges")),
        sa.UniqueConstraint(
            "user_id", "credential_key", name=op.f("uq_outside_badges_user_id")
        ),
    )
    with op.batch_alter_table("outside_badges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outside_badges_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outside_badges_issuer_id"), ["issuer_id"], unique=False
        )
    op.create_table(
        "pathway_outside_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.String(length=500), nullable=False),
        sa.Column("achievement_id", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_pathway_outside_steps_pathway_id_pathways"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_outside_steps")),
        sa.UniqueConstraint(
            "pathway_id",
            "issuer_id",
            "achievement_id",
            name=op.f("uq_pathway_outside_steps_pathway_id"),
        ),
    )
    with op.batch_alter_table("pathway_outside_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_outside_steps_pathway_id"),
            ["pathway_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("pathway_outside_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_outside_steps_pathway_id"))
    op.drop_table("pathway_outside_steps")
    with op.batch_alter_table("outside_badges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outside_badges_issuer_id"))
        batch_op.drop_index(batch_op.f("ix_outside_badges_user_id"))
    op.drop_table("outside_badges")

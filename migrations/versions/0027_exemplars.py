"""sharing practice and digests: exemplars (with the consent given and when) and
their files, a badge or exemplar on a community post, digest subscriptions, and
extra header fields (List-Unsubscribe) on outbox emails

Revision ID: 0027_exemplars
Revises: 0023_community_post_order
Create Date: 2026-12-07 17:44:44.451240

"""

from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0027_exemplars"
down_revision = "0030_account_data"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "community_digest_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "daily", "weekly", name="digest_frequency", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_digest_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_digest_subscriptions")),
        sa.UniqueConstraint(
            "user_id", name=op.f("uq_community_digest_subscriptions_user_id")
        ),
    )
    op.create_table(
        "exemplars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("module_slug", sa.String(length=80), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("context_text", sa.Text(), nullable=False),
        sa.Column("reflection_text", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("consent_statement", sa.Text(), nullable=False),
        sa.Column("consented_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_exemplars_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_exemplars_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_exemplars_review_id_reviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_exemplars_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemplars")),
    )
    with op.batch_alter_table("exemplars", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exemplars_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exemplars_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exemplars_module_slug"), ["module_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exemplars_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "exemplar_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exemplar_id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_exemplar_files_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exemplar_id"],
            ["exemplars.id"],
            name=op.f("fk_exemplar_files_exemplar_id_exemplars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemplar_files")),
        sa.UniqueConstraint(
            "exemplar_id", "artifact_id", name=op.f("uq_exemplar_files_exemplar_id")
        ),
    )
    with op.batch_alter_table("exemplar_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exemplar_files_exemplar_id"), ["exemplar_id"], unique=False
        )

    with op.batch_alter_table("community_posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credential_id", sa.String(length=36), nullable=True)
        )
        batch_op.add_column(sa.Column("exemplar_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_community_posts_exemplar_id"), ["exemplar_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_community_posts_exemplar_id_exemplars"),
            "exemplars",
            ["exemplar_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_community_posts_credential_id_issued_credentials"),
            "issued_credentials",
            ["credential_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_column("headers")

    with op.batch_alter_table("community_posts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_community_posts_credential_id_issued_credentials"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_community_posts_exemplar_id_exemplars"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_community_posts_exemplar_id"))
        batch_op.drop_column("exemplar_id")
        batch_op.drop_column("credential_id")

    with op.batch_alter_table("exemplar_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemplar_files_exemplar_id"))

    op.drop_table("exemplar_files")
    with op.batch_alter_table("exemplars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exemplars_submission_id"))
        batch_op.drop_index(batch_op.f("ix_exemplars_module_slug"))
        batch_op.drop_index(batch_op.f("ix_exemplars_community_id"))
        batch_op.drop_index(batch_op.f("ix_exemplars_author_id"))

    op.drop_table("exemplars")
    op.drop_table("community_digest_subscriptions")

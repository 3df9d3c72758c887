"""communities of practice: communities, threads, posts and their revisions,
reactions, follows, read markers, drafts, attachments, reports, moderation actions
and mutes; full-text search of posts on PostgreSQL

Revision ID: 0022_communities
Revises: 0021_languages
Create Date: 2026-12-07 13:57:32.052242

"""

from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0022_communities"
down_revision = "0021_district"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "module",
                "district",
                "topic",
                "cohort",
                name="community_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("module_slug", sa.String(length=80), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_activity_at", pdhub.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("thread_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_communities_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_communities_district_id_districts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint(
            "kind", "district_id", name="uq_communities_kind_district_id"
        ),
        sa.UniqueConstraint(
            "kind", "module_slug", name="uq_communities_kind_module_slug"
        ),
    )
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_communities_kind"), ["kind"], unique=False)

    op.create_table(
        "community_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "member",
                "moderator",
                name="community_member_role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_members_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_members")),
        sa.UniqueConstraint(
            "community_id", "user_id", name=op.f("uq_community_members_community_id")
        ),
    )
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "community_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_mutes_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_mutes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_mutes")),
        sa.UniqueConstraint(
            "community_id", "user_id", name=op.f("uq_community_mutes_community_id")
        ),
    )
    op.create_table(
        "community_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "is_question", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("accepted_post_id", sa.Integer(), nullable=True),
        sa.Column("pinned_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_post_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("helpful_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_community_threads_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_threads_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_threads")),
    )
    with op.batch_alter_table("community_threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_threads_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_community_threads_community_id_last_post_at",
            ["community_id", "last_post_at"],
            unique=False,
        )

    op.create_table(
        "community_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("updated_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_drafts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["community_threads.id"],
            name=op.f("fk_community_drafts_thread_id_community_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_drafts")),
        sa.UniqueConstraint(
            "user_id",
            "community_id",
            "thread_id",
            name=op.f("uq_community_drafts_user_id"),
        ),
    )
    with op.batch_alter_table("community_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_drafts_community_id"),
            ["community_id"],
            unique=False,
        )

    op.create_table(
        "community_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_follows_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["community_threads.id"],
            name=op.f("fk_community_follows_thread_id_community_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_follows")),
        sa.UniqueConstraint(
            "user_id", "community_id", name="uq_community_follows_user_community"
        ),
        sa.UniqueConstraint(
            "user_id", "thread_id", name="uq_community_follows_user_thread"
        ),
    )
    with op.batch_alter_table("community_follows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_follows_community_id"),
            ["community_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_community_follows_thread_id"), ["thread_id"], unique=False
        )

    op.create_table(
        "community_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "is_opening", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("helpful_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_community_posts_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["community_threads.id"],
            name=op.f("fk_community_posts_thread_id_community_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_posts")),
    )
    with op.batch_alter_table("community_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_posts_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_community_posts_thread_id_created_at",
            ["thread_id", "created_at"],
            unique=False,
        )
    # Threads and posts point at each other: the accepted answer's key comes after.
    with op.batch_alter_table("community_threads", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_community_threads_accepted_post_id_community_posts",
            "community_posts",
            ["accepted_post_id"],
            ["id"],
            ondelete="SET NULL",
        )
    if op.get_bind().dialect.name == "postgresql":
        # Search reads this index (to_tsvector/plainto_tsquery); SQLite uses LIKE.
        op.execute(
            "CREATE INDEX ix_community_posts_search ON community_posts "
            "USING gin (to_tsvector('simple'::regconfig, search_text))"
        )

    op.create_table(
        "community_thread_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("read_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["community_threads.id"],
            name=op.f("fk_community_thread_reads_thread_id_community_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_thread_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_thread_reads")),
        sa.UniqueConstraint(
            "user_id", "thread_id", name=op.f("uq_community_thread_reads_user_id")
        ),
    )
    with op.batch_alter_table("community_thread_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_thread_reads_thread_id"),
            ["thread_id"],
            unique=False,
        )

    op.create_table(
        "community_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_attachments_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_attachments")),
    )
    with op.batch_alter_table("community_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_attachments_post_id"), ["post_id"], unique=False
        )

    op.create_table(
        "community_moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "hide",
                "restore",
                "lock",
                "unlock",
                "pin",
                "unpin",
                "mute",
                "dismiss",
                name="moderation_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("until", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_moderation_actions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["users.id"],
            name=op.f("fk_community_moderation_actions_moderator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_moderation_actions_post_id_community_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["users.id"],
            name=op.f("fk_community_moderation_actions_subject_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["community_threads.id"],
            name=op.f("fk_community_moderation_actions_thread_id_community_threads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_moderation_actions")),
    )
    with op.batch_alter_table("community_moderation_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_moderation_actions_community_id"),
            ["community_id"],
            unique=False,
        )

    op.create_table(
        "community_post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edited_by_id"],
            ["users.id"],
            name=op.f("fk_community_post_revisions_edited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_post_revisions_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_post_revisions")),
    )
    with op.batch_alter_table("community_post_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_post_revisions_post_id"), ["post_id"], unique=False
        )

    op.create_table(
        "community_reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("helpful", name="reaction_kind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_reactions_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_reactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_reactions")),
        sa.UniqueConstraint(
            "post_id", "user_id", "kind", name=op.f("uq_community_reactions_post_id")
        ),
    )
    with op.batch_alter_table("community_reactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_reactions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "community_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", pdhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_reports_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_community_reports_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_community_reports_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_reports")),
    )
    with op.batch_alter_table("community_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_reports_post_id"), ["post_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_community_reports_resolved_at"),
            ["resolved_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("community_threads", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_community_threads_accepted_post_id_community_posts", type_="foreignkey"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_community_posts_search")
    with op.batch_alter_table("community_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_reports_resolved_at"))
        batch_op.drop_index(batch_op.f("ix_community_reports_post_id"))

    op.drop_table("community_reports")
    with op.batch_alter_table("community_reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_reactions_user_id"))

    op.drop_table("community_reactions")
    with op.batch_alter_table("community_post_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_post_revisions_post_id"))

    op.drop_table("community_post_revisions")
    with op.batch_alter_table("community_moderation_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_moderation_actions_community_id"))

    op.drop_table("community_moderation_actions")
    with op.batch_alter_table("community_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_attachments_post_id"))

    op.drop_table("community_attachments")
    with op.batch_alter_table("community_thread_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_thread_reads_thread_id"))

    op.drop_table("community_thread_reads")
    with op.batch_alter_table("community_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_community_posts_thread_id_created_at")
        batch_op.drop_index(batch_op.f("ix_community_posts_author_id"))

    op.drop_table("community_posts")
    with op.batch_alter_table("community_follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_follows_thread_id"))
        batch_op.drop_index(batch_op.f("ix_community_follows_community_id"))

    op.drop_table("community_follows")
    with op.batch_alter_table("community_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_drafts_community_id"))

    op.drop_table("community_drafts")
    with op.batch_alter_table("community_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_community_threads_community_id_last_post_at")
        batch_op.drop_index(batch_op.f("ix_community_threads_author_id"))

    op.drop_table("community_threads")
    op.drop_table("community_mutes")
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_members_user_id"))

    op.drop_table("community_members")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_communities_kind"))

    op.drop_table("communities")

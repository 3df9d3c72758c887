"""community posts: partial indexes for counting a thread's posts, the visible ones
(index-only, however long the thread) and the few hidden ones by author

Revision ID: 0032_coach_tools
Revises: 0034_text_at_rest
Create Date: 2026-12-07 21:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_coach_tools"
down_revision = "0037_pathways"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_community_posts_thread_visible",
        "community_posts",
        ["thread_id"],
        postgresql_where=sa.text("hidden_at IS NULL"),
        sqlite_where=sa.text("hidden_at IS NULL"),
    )
    op.create_index(
        "ix_community_posts_thread_hidden",
        "community_posts",
        ["thread_id", "author_id"],
        postgresql_where=sa.text("hidden_at IS NOT NULL"),
        sqlite_where=sa.text("hidden_at IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_community_posts_thread_hidden", "community_posts")
    op.drop_index("ix_community_posts_thread_visible", "community_posts")

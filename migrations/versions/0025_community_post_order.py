"""community posts: the thread index covers the page order (thread, time, id), so a
page of a long thread is read from the index in order instead of sorting the thread

Revision ID: 0023_community_post_order
Revises: 0022_ledger
Create Date: 2026-12-07 15:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_community_post_order"
down_revision = "0022_ledger"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_community_posts_thread_id_created_at", "community_posts")
    op.create_index(
        "ix_community_posts_thread_id_created_at_id",
        "community_posts",
        ["thread_id", "created_at", "id"],
    )


def downgrade():
    op.drop_index("ix_community_posts_thread_id_created_at_id", "community_posts")
    op.create_index(
        "ix_community_posts_thread_id_created_at",
        "community_posts",
        ["thread_id", "created_at"],
    )

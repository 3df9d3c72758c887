"""district pages at scale: indexes that let a district's figures start from its own
teachers. Enrollments by (user, status, module, completed_at) (replacing (user,
status), its prefix), so "has this teacher completed this module" and the year's
completions are read from the index per teacher; awards by (user, awarded_at)
(replacing (user)), for badges by month; users by (district, role, active, school),
for the district's active teachers

Revision ID: 0033_district_perf
Revises: 0031_equity
Create Date: 2026-12-07 21:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_district_perf"
down_revision = "0034_text_at_rest"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_enrollments_user_id_status", "enrollments")
    op.create_index(
        "ix_enrollments_user_status_module_completed",
        "enrollments",
        ["user_id", "status", "module_id", "completed_at"],
    )
    op.drop_index("ix_awards_user_id", "awards")
    op.create_index("ix_awards_user_id_awarded_at", "awards", ["user_id", "awarded_at"])
    op.create_index(
        "ix_users_district_role_active_school",
        "users",
        ["district_id", "role", "active", "school_id"],
    )


def downgrade():
    op.drop_index("ix_users_district_role_active_school", "users")
    op.drop_index("ix_awards_user_id_awarded_at", "awards")
    op.create_index("ix_awards_user_id", "awards", ["user_id"])
    op.drop_index("ix_enrollments_user_status_module_completed", "enrollments")
    op.create_index(
        "ix_enrollments_user_id_status", "enrollments", ["user_id", "status"]
    )

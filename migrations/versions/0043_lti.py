"""LTI 1.3 tool: its key, district platform registrations, login states, deep-link
requests, course contexts and grade links

Revision ID: 0043_lti
Revises: 0042_sso
Create Date: 2026-12-08 00:45:00

"""

import sqlalchemy as sa
from alembic import op

import pdhub.db

# revision identifiers, used by Alembic.
revision = "0043_lti"
down_revision = "0042_sso"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lti_tool_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_tool_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_lti_tool_keys_kid")),
    )
    op.create_table(
        "lti_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=2048), nullable=False),
        sa.Column("auth_token_url", sa.String(length=2048), nullable=False),
        sa.Column("jwks_url", sa.String(length=2048), nullable=False),
        sa.Column("deployment_ids", sa.Text(), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_lti_registrations_district_id_districts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_registrations")),
        sa.UniqueConstraint(
            "issuer", "client_id", name=op.f("uq_lti_registrations_issuer")
        ),
    )
    op.create_index(
        op.f("ix_lti_registrations_district_id"), "lti_registrations", ["district_id"]
    )
    op.create_table(
        "lti_login_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", pdhub.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_login_states_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_login_states")),
        sa.UniqueConstraint("state", name=op.f("uq_lti_login_states_state")),
        sa.UniqueConstraint("nonce", name=op.f("uq_lti_login_states_nonce")),
    )
    op.create_index(
        op.f("ix_lti_login_states_registration_id"),
        "lti_login_states",
        ["registration_id"],
    )
    op.create_table(
        "lti_deep_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("return_url", sa.String(length=2048), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("created_at", pdhub.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", pdhub.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_deep_links_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_deep_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_lti_deep_links_token_hash")),
    )
    op.create_index(
        op.f("ix_lti_deep_links_registration_id"), "lti_deep_links", ["registration_id"]
    )
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("memberships_url", sa.String(length=2048), nullable=True),
        sa.Column("last_launch_at", pdhub.db.UTCDateTime(), nullable=False),
        sa.Column("staff_imported_at", pdhub.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_contexts_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_contexts")),
        sa.UniqueConstraint(
            "registration_id",
            "context_id",
            name=op.f("uq_lti_contexts_registration_id"),
        ),
    )
    op.create_index(
        op.f("ix_lti_contexts_registration_id"), "lti_contexts", ["registration_id"]
    )
    op.create_table(
        "lti_grade_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=120), nullable=False),
        sa.Column("lineitem_url", sa.String(length=2048), nullable=False),
        sa.Column("lti_user_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", pdhub.db.UTCDateTime(), nullable=False),
        sa.Column("score_sent_at", pdhub.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_grade_links_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lti_grade_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_grade_links")),
        sa.UniqueConstraint(
            "registration_id",
            "user_id",
            "lineitem_url",
            name=op.f("uq_lti_grade_links_registration_id"),
        ),
    )
    op.create_index(
        op.f("ix_lti_grade_links_registration_id"),
        "lti_grade_links",
        ["registration_id"],
    )
    op.create_index(op.f("ix_lti_grade_links_user_id"), "lti_grade_links", ["user_id"])


def downgrade():
    op.drop_table("lti_grade_links")
    op.drop_table("lti_contexts")
    op.drop_table("lti_deep_links")
    op.drop_table("lti_login_states")
    op.drop_table("lti_registrations")
    op.drop_table("lti_tool_keys")

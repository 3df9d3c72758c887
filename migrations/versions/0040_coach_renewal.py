"""renewal by reflection: a module says how its badge is renewed (modules.renewal:
knowledge_check or reflection); a renewal keeps the teacher's reflection (encrypted
at rest under PDHUB_DATA_KEY, with the key's fingerprint), when it was sent, and the
coach's decision and feedback

Revision ID: 0040_coach_renewal
Revises: 0039_backpack
Create Date: 2026-12-08 01:10:00

"""
import sqlalchemy as sa
from alembic import op

import pdhub.db

# revision identifiers, used by Alembic.
revision = "0040_coach_renewal"
down_revision = "0039_backpack"
branch_labels = None
depends_on = None


def upgrade():
    from pdhub.privacy import encryption

    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "renewal",
                sa.String(length=20),
                server_default="knowledge_check",
                nullable=False,
            )
        )
    with op.batch_alter_table("credential_renewals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reflection_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("key_version", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("submitted_at", pdhub.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("feedback", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", pdhub.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credential_renewals_reviewed_by_id_users"),
            "users",
            ["reviewed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_credential_renewals_submitted_at"), ["submitted_at"], unique=False
        )
    # Renewals opened before: no reflection (an empty text, sealed like every other).
    renewals = sa.table(
        "credential_renewals",
        sa.column("reflection_encrypted", sa.Text),
        sa.column("key_version", sa.String),
    )
    op.execute(
        renewals.update().values(
            reflection_encrypted=encryption.seal(""),
            key_version=encryption.key_version(),
        )
    )
    with op.batch_alter_table("credential_renewals", schema=None) as batch_op:
        batch_op.alter_column("reflection_encrypted", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column(
            "key_version", existing_type=sa.String(length=16), nullable=False
        )


def downgrade():
    with op.batch_alter_table("credential_renewals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_renewals_submitted_at"))
        batch_op.drop_constraint(
            batch_op.f("fk_credential_renewals_reviewed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("feedback")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("key_version")
        batch_op.drop_column("reflection_encrypted")
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_column("renewal")

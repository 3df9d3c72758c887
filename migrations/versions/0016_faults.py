"""a stable Message-ID and the last delivery attempt of each outgoing email

Revision ID: 0016_faults
Revises: 0014_accounts
Create Date: 2026-12-07

"""

from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = "0016_faults"
down_revision = "0014_accounts"
branch_labels = None
depends_on = None


def upgrade():
    # Empty for messages made before: each gets its Message-ID before its next attempt.
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message_id", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "last_attempt_at", pdhub.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_email_messages_message_id"), ["message_id"]
        )


def downgrade():
    with op.batch_alter_table("email_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_email_messages_message_id"), type_="unique"
        )
        batch_op.drop_column("last_attempt_at")
        batch_op.drop_column("message_id")

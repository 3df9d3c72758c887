"""knowledge checks: the paper each attempt was given, and extra attempts granted

Revision ID: 0018_quiz
Revises: 0017_digest
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0018_quiz'
down_revision = '0017_digest'
branch_labels = None
depends_on = None


def upgrade():
    # Existing attempts keep no paper: they asked every question in the module's order.
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper', sa.JSON(), nullable=True))
    op.create_table(
        'quiz_attempt_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_quiz_attempt_grants_enrollment_id_enrollments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_quiz_attempt_grants_granted_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt_grants')),
    )
    with op.batch_alter_table('quiz_attempt_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_grants_enrollment_id'), ['enrollment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('quiz_attempt_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_grants_enrollment_id'))
    op.drop_table('quiz_attempt_grants')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('paper')

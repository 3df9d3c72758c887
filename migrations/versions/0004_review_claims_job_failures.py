"""review: coach assignments, claims, reviews; failed jobs

Revision ID: 0004
Revises: 0006
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('task_name', sa.String(length=120), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failed_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retried_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures')),
    sa.UniqueConstraint('task_id', name=op.f('uq_job_failures_task_id'))
    )
    with op.batch_alter_table('job_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_failures_task_name'), ['task_name'], unique=False)

    op.create_table('coach_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_coach_assignments_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_coach_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_coach_assignments_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_coach_assignments_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coach_assignments')),
    sa.UniqueConstraint('coach_id', 'district_id', 'school_id', name=op.f('uq_coach_assignments_coach_id'))
    )
    with op.batch_alter_table('coach_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coach_assignments_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coach_assignments_district_id'), ['district_id'], unique=False)

    op.create_table('review_claims',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_review_claims_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_review_claims_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_review_claims'))
    )
    with op.batch_alter_table('review_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_claims_coach_id'), ['coach_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('overall_feedback', sa.Text(), nullable=False),
    sa.Column('decision', sa.Enum('passed', 'needs_revision', name='review_decision', native_enum=False, length=32), nullable=False),
    sa.Column('started_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_reviews_coach_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_reviews_submission_id_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['submission_versions.id'], name=op.f('fk_reviews_version_id_submission_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('version_id', name=op.f('uq_reviews_version_id'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_submission_id'))
        batch_op.drop_index(batch_op.f('ix_reviews_decided_at'))
        batch_op.drop_index(batch_op.f('ix_reviews_coach_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('review_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_claims_coach_id'))

    op.drop_table('review_claims')
    with op.batch_alter_table('coach_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coach_assignments_district_id'))
        batch_op.drop_index(batch_op.f('ix_coach_assignments_coach_id'))

    op.drop_table('coach_assignments')
    with op.batch_alter_table('job_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_failures_task_name'))

    op.drop_table('job_failures')

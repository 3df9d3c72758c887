"""impact and continuous improvement: module feedback, lesson reports, pre/post and
follow-up survey answers (modules may declare a survey), follow-up invitations and
district goals

Revision ID: 0036_impact
Revises: 0031_equity
Create Date: 2026-12-07 21:45:00

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0036_impact'
down_revision = "0038_ob_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_module_feedback_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_module_feedback_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_feedback')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_module_feedback_enrollment_id'))
    )
    with op.batch_alter_table('module_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_feedback_module_id'), ['module_id'], unique=False)

    op.create_table('lesson_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_lesson_reports_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_lesson_reports_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_reports'))
    )
    with op.batch_alter_table('lesson_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_reports_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lesson_reports_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('pre', 'post', 'follow_up', name='survey_phase', native_enum=False, length=32), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_survey_responses_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('enrollment_id', 'phase', name=op.f('uq_survey_responses_enrollment_id'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_enrollment_id'), ['enrollment_id'], unique=False)

    op.create_table('follow_up_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_follow_up_invitations_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_invitations')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_follow_up_invitations_enrollment_id'))
    )

    op.create_table('impact_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('badge_share', 'equity_plan', name='impact_goal_kind', native_enum=False, length=32), nullable=False),
    sa.Column('module_slug', sa.String(length=80), nullable=False),
    sa.Column('target_percent', sa.Integer(), nullable=False),
    sa.Column('divide', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_impact_goals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_impact_goals_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_goals'))
    )
    with op.batch_alter_table('impact_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_impact_goals_district_id'), ['district_id'], unique=False)

    # Modules may declare a pre/post and follow-up survey (module.yaml "survey").
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('survey')

    with op.batch_alter_table('impact_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_impact_goals_district_id'))
    op.drop_table('impact_goals')
    op.drop_table('follow_up_invitations')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_enrollment_id'))
    op.drop_table('survey_responses')
    with op.batch_alter_table('lesson_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_reports_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_lesson_reports_enrollment_id'))
    op.drop_table('lesson_reports')
    with op.batch_alter_table('module_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_feedback_module_id'))
    op.drop_table('module_feedback')

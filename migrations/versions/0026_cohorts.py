"""cohorts, sessions, attendance, coaching conversations and office hours

Revision ID: 0026_cohorts
Revises: 0023_community_post_order
Create Date: 2026-12-07 17:45:47.519763

One live booking per office-hour slot is a partial unique index (cancelled
bookings stay for the record). Coaching message bodies are Fernet ciphertext.

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0026_cohorts'
down_revision = "0028_district_dash"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('office_hour_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_office_hour_slots_coach_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hour_slots'))
    )
    with op.batch_alter_table('office_hour_slots', schema=None) as batch_op:
        batch_op.create_index('ix_office_hour_slots_coach_id_starts_at', ['coach_id', 'starts_at'], unique=False)

    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('join_code', sa.String(length=16), nullable=False),
    sa.Column('calendar_token', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_cohorts_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_cohorts_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cohorts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_cohorts_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('calendar_token', name=op.f('uq_cohorts_calendar_token')),
    sa.UniqueConstraint('community_id', name=op.f('uq_cohorts_community_id')),
    sa.UniqueConstraint('join_code', name=op.f('uq_cohorts_join_code'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohorts_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohorts_district_id'), ['district_id'], unique=False)

    op.create_table('office_hour_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['slot_id'], ['office_hour_slots.id'], name=op.f('fk_office_hour_bookings_slot_id_office_hour_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_office_hour_bookings_teacher_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hour_bookings'))
    )
    with op.batch_alter_table('office_hour_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hour_bookings_teacher_id'), ['teacher_id'], unique=False)
        batch_op.create_index('uq_office_hour_bookings_live_slot', ['slot_id'], unique=True, postgresql_where=sa.text('cancelled_at IS NULL'), sqlite_where=sa.text('cancelled_at IS NULL'))

    op.create_table('coaching_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_coaching_conversations_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_coaching_conversations_submission_id_submissions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_coaching_conversations_teacher_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_conversations'))
    )
    with op.batch_alter_table('coaching_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_conversations_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_conversations_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('cohort_modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_modules_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_modules')),
    sa.UniqueConstraint('cohort_id', 'module_slug', name=op.f('uq_cohort_modules_cohort_id'))
    )
    op.create_table('cohort_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_sessions'))
    )
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_cohort_sessions_cohort_id_starts_at', ['cohort_id', 'starts_at'], unique=False)

    op.create_table('coaching_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body_encrypted', sa.Text(), nullable=False),
    sa.Column('key_version', sa.String(length=16), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_coaching_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['coaching_conversations.id'], name=op.f('fk_coaching_messages_conversation_id_coaching_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_messages'))
    )
    with op.batch_alter_table('coaching_messages', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_messages_conversation_id_created_at', ['conversation_id', 'created_at'], unique=False)

    op.create_table('cohort_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cohort_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['cohort_sessions.id'], name=op.f('fk_cohort_attendance_session_id_cohort_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_cohort_attendance_session_id'))
    )
    with op.batch_alter_table('cohort_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_attendance_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_attendance_user_id'))

    op.drop_table('cohort_attendance')
    with op.batch_alter_table('coaching_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_messages_conversation_id_created_at')

    op.drop_table('coaching_messages')
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_cohort_sessions_cohort_id_starts_at')

    op.drop_table('cohort_sessions')
    op.drop_table('cohort_modules')
    with op.batch_alter_table('coaching_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_conversations_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_coaching_conversations_coach_id'))

    op.drop_table('coaching_conversations')
    with op.batch_alter_table('office_hour_bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_office_hour_bookings_live_slot', postgresql_where=sa.text('cancelled_at IS NULL'), sqlite_where=sa.text('cancelled_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_office_hour_bookings_teacher_id'))

    op.drop_table('office_hour_bookings')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohorts_district_id'))
        batch_op.drop_index(batch_op.f('ix_cohorts_coach_id'))

    op.drop_table('cohorts')
    with op.batch_alter_table('office_hour_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_office_hour_slots_coach_id_starts_at')

    op.drop_table('office_hour_slots')

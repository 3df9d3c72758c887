"""a district's equity work: its team, self-assessment cycles (members' ratings and
the consensus), and each cycle's planning workbook (reflections, goals, action items
and their reminders); modules declare the equity areas and divides they address

Revision ID: 0031_equity
Revises: 0026_cohorts
Create Date: 2026-12-07 17:48:50.486384

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0031_equity'
down_revision = "0029_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equity_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('instrument_version', sa.String(length=20), nullable=False),
    sa.Column('started_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_equity_cycles_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_equity_cycles_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_cycles')),
    sa.UniqueConstraint('district_id', 'name', name=op.f('uq_equity_cycles_district_id'))
    )
    with op.batch_alter_table('equity_cycles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_cycles_district_id'), ['district_id'], unique=False)

    op.create_table('equity_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('lead', 'member', name='equity_team_role', native_enum=False, length=32), nullable=False),
    sa.Column('added_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_equity_team_members_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_equity_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_team_members')),
    sa.UniqueConstraint('district_id', 'user_id', name=op.f('uq_equity_team_members_district_id'))
    )
    with op.batch_alter_table('equity_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_team_members_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equity_team_members_user_id'), ['user_id'], unique=False)

    op.create_table('equity_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'done', 'blocked', name='equity_action_status', native_enum=False, length=32), nullable=False),
    sa.Column('evidence_url', sa.String(length=500), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['equity_cycles.id'], name=op.f('fk_equity_actions_cycle_id_equity_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_equity_actions_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_actions'))
    )
    with op.batch_alter_table('equity_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_actions_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equity_actions_owner_id'), ['owner_id'], unique=False)

    op.create_table('equity_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['equity_cycles.id'], name=op.f('fk_equity_assessments_cycle_id_equity_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_equity_assessments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_assessments')),
    sa.UniqueConstraint('cycle_id', 'user_id', name=op.f('uq_equity_assessments_cycle_id'))
    )
    with op.batch_alter_table('equity_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_assessments_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equity_assessments_user_id'), ['user_id'], unique=False)

    op.create_table('equity_consensus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['equity_cycles.id'], name=op.f('fk_equity_consensus_cycle_id_equity_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_equity_consensus_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_consensus')),
    sa.UniqueConstraint('cycle_id', 'indicator_id', name=op.f('uq_equity_consensus_cycle_id'))
    )
    with op.batch_alter_table('equity_consensus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_consensus_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('equity_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['equity_cycles.id'], name=op.f('fk_equity_goals_cycle_id_equity_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_goals'))
    )
    with op.batch_alter_table('equity_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_goals_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('equity_reflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.String(length=40), nullable=False),
    sa.Column('question_id', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['equity_cycles.id'], name=op.f('fk_equity_reflections_cycle_id_equity_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_reflections')),
    sa.UniqueConstraint('cycle_id', 'question_id', name=op.f('uq_equity_reflections_cycle_id'))
    )
    with op.batch_alter_table('equity_reflections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equity_reflections_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('equity_action_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('sent_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['equity_actions.id'], name=op.f('fk_equity_action_reminders_action_id_equity_actions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_action_reminders')),
    sa.UniqueConstraint('action_id', 'stage', name=op.f('uq_equity_action_reminders_action_id'))
    )
    op.create_table('equity_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=40), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['equity_assessments.id'], name=op.f('fk_equity_ratings_assessment_id_equity_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equity_ratings')),
    sa.UniqueConstraint('assessment_id', 'indicator_id', name=op.f('uq_equity_ratings_assessment_id'))
    )
    # Modules declare the areas and divides they address (module.yaml "equity").
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('equity', sa.JSON(), server_default='{}', nullable=False))



def downgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('equity')

    op.drop_table('equity_ratings')
    op.drop_table('equity_action_reminders')
    with op.batch_alter_table('equity_reflections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_reflections_cycle_id'))

    op.drop_table('equity_reflections')
    with op.batch_alter_table('equity_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_goals_cycle_id'))

    op.drop_table('equity_goals')
    with op.batch_alter_table('equity_consensus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_consensus_cycle_id'))

    op.drop_table('equity_consensus')
    with op.batch_alter_table('equity_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_assessments_user_id'))
        batch_op.drop_index(batch_op.f('ix_equity_assessments_cycle_id'))

    op.drop_table('equity_assessments')
    with op.batch_alter_table('equity_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_actions_owner_id'))
        batch_op.drop_index(batch_op.f('ix_equity_actions_cycle_id'))

    op.drop_table('equity_actions')
    with op.batch_alter_table('equity_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_team_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_equity_team_members_district_id'))

    op.drop_table('equity_team_members')
    with op.batch_alter_table('equity_cycles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equity_cycles_district_id'))

    op.drop_table('equity_cycles')

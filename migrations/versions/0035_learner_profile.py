"""personalized learning: modules declare competencies; a teacher's latest
self-assessment against them; class-level access inventories given with the
digital-equity module's evidence, shared with the district only with consent

Revision ID: 0035_learner_profile
Revises: 0031_equity
Create Date: 2026-12-07 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0035_learner_profile'
down_revision = "0036_impact"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learner_self_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('taken_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('times_taken', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_learner_self_assessments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner_self_assessments')),
    sa.UniqueConstraint('user_id', name=op.f('uq_learner_self_assessments_user_id'))
    )
    op.create_table('class_inventories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('module_slug', sa.String(length=80), nullable=False),
    sa.Column('students', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('shared_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_class_inventories_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_class_inventories_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_class_inventories_school_id_schools'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_class_inventories_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_inventories')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_class_inventories_enrollment_id'))
    )
    with op.batch_alter_table('class_inventories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_inventories_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_inventories_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_inventories_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('competencies', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('competencies')

    with op.batch_alter_table('class_inventories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_inventories_user_id'))
        batch_op.drop_index(batch_op.f('ix_class_inventories_school_id'))
        batch_op.drop_index(batch_op.f('ix_class_inventories_district_id'))

    op.drop_table('class_inventories')
    op.drop_table('learner_self_assessments')

"""credit a district grants for modules (its unit, its school year, one or two
approval stages), learning done elsewhere with its certificate, and decisions on it

Revision ID: 0022_ledger
Revises: 0021_district
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0022_ledger'
down_revision = '0023_lang'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_policies',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.Enum('hours', 'points', 'ceus', name='credit_unit', native_enum=False, length=32), nullable=False),
    sa.Column('year_start_month', sa.Integer(), nullable=False),
    sa.Column('two_stage', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_credit_policies_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('district_id', name=op.f('pk_credit_policies'))
    )
    op.create_table('module_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=80), nullable=False),
    sa.Column('salary', sa.Boolean(), nullable=False),
    sa.Column('recertification', sa.Boolean(), nullable=False),
    sa.Column('units', sa.Float(), nullable=False),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_module_credits_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_credits')),
    sa.UniqueConstraint('district_id', 'module_slug', name=op.f('uq_module_credits_district_id'))
    )
    op.create_table('external_learning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('certificate_filename', sa.String(length=255), nullable=False),
    sa.Column('certificate_media_type', sa.String(length=100), nullable=False),
    sa.Column('certificate_size', sa.Integer(), nullable=False),
    sa.Column('certificate_sha256', sa.String(length=64), nullable=False),
    sa.Column('certificate_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('with_school', 'with_district', 'approved', 'returned', name='external_status', native_enum=False, length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('submitted_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_external_learning_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_learning_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_learning'))
    )
    with op.batch_alter_table('external_learning', schema=None) as batch_op:
        batch_op.create_index('ix_external_learning_district_status', ['district_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_external_learning_user_id'), ['user_id'], unique=False)

    op.create_table('external_learning_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('school', 'district', name='approval_stage', native_enum=False, length=32), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_external_learning_decisions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['external_learning.id'], name=op.f('fk_external_learning_decisions_record_id_external_learning'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_learning_decisions'))
    )
    with op.batch_alter_table('external_learning_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_learning_decisions_record_id'), ['record_id'], unique=False)


def downgrade():
    with op.batch_alter_table('external_learning_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_learning_decisions_record_id'))

    op.drop_table('external_learning_decisions')
    with op.batch_alter_table('external_learning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_learning_user_id'))
        batch_op.drop_index('ix_external_learning_district_status')

    op.drop_table('external_learning')
    op.drop_table('module_credits')
    op.drop_table('credit_policies')

"""verification batches, their items, and the platform report key

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_signing_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_key_multibase', sa.String(length=64), nullable=False),
    sa.Column('secret_key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_signing_keys')),
    sa.UniqueConstraint('public_key_multibase', name=op.f('uq_report_signing_keys_public_key_multibase'))
    )
    op.create_table('verification_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('status', sa.Enum('running', 'done', name='batch_status', native_enum=False, length=32), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('verified_count', sa.Integer(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('report_signature', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_verification_batches_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_verification_batches_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_batches'))
    )
    with op.batch_alter_table('verification_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_batches_district_id'), ['district_id'], unique=False)

    op.create_table('verification_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=2048), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('checked_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verdict', sa.Enum('verified', 'not_verified', 'revoked', 'suspended', 'expired', name='verdict', native_enum=False, length=32), nullable=True),
    sa.Column('teacher', sa.String(length=300), nullable=True),
    sa.Column('achievement', sa.String(length=300), nullable=True),
    sa.Column('issuer', sa.String(length=300), nullable=True),
    sa.Column('issued', sa.String(length=40), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('checks', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['verification_batches.id'], name=op.f('fk_verification_items_batch_id_verification_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_items')),
    sa.UniqueConstraint('batch_id', 'position', name=op.f('uq_verification_items_batch_id'))
    )


def downgrade():
    op.drop_table('verification_items')
    with op.batch_alter_table('verification_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_batches_district_id'))

    op.drop_table('verification_batches')
    op.drop_table('report_signing_keys')

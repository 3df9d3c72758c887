"""issued credentials, issuer keys, status lists

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issuer_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_key_multibase', sa.String(length=64), nullable=False),
    sa.Column('did_key', sa.String(length=80), nullable=False),
    sa.Column('private_key_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issuer_keys')),
    sa.UniqueConstraint('did_key', name=op.f('uq_issuer_keys_did_key')),
    sa.UniqueConstraint('public_key_multibase', name=op.f('uq_issuer_keys_public_key_multibase'))
    )
    op.create_table('status_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('revocation', 'suspension', name='status_purpose', native_enum=False, length=32), nullable=False),
    sa.Column('issuer_id', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('bits', sa.LargeBinary(), nullable=False),
    sa.Column('signed_json', sa.Text(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_lists'))
    )
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_lists_issuer_id'), ['issuer_id'], unique=False)

    op.create_table('issued_credentials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('current_award_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer_key_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.String(length=300), nullable=False),
    sa.Column('recipient_salt', sa.String(length=64), nullable=False),
    sa.Column('credential_json', sa.Text(), nullable=False),
    sa.Column('jwt', sa.Text(), nullable=False),
    sa.Column('baked_png', sa.LargeBinary(), nullable=False),
    sa.Column('baked_svg', sa.LargeBinary(), nullable=False),
    sa.Column('revocation_list_id', sa.Integer(), nullable=False),
    sa.Column('revocation_index', sa.Integer(), nullable=False),
    sa.Column('issued_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.String(length=500), nullable=True),
    sa.Column('suspended_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspension_reason', sa.String(length=500), nullable=True),
    sa.Column('replaced_by_id', sa.String(length=36), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('shared_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_issued_credentials_award_id_awards'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['current_award_id'], ['awards.id'], name=op.f('fk_issued_credentials_current_award_id_awards'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issuer_key_id'], ['issuer_keys.id'], name=op.f('fk_issued_credentials_issuer_key_id_issuer_keys'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['issued_credentials.id'], name=op.f('fk_issued_credentials_replaced_by_id_issued_credentials'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revocation_list_id'], ['status_lists.id'], name=op.f('fk_issued_credentials_revocation_list_id_status_lists'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_issued_credentials_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_credentials')),
    sa.UniqueConstraint('current_award_id', name=op.f('uq_issued_credentials_current_award_id')),
    sa.UniqueConstraint('revocation_list_id', 'revocation_index', name=op.f('uq_issued_credentials_revocation_list_id'))
    )
    with op.batch_alter_table('issued_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_credentials_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_credentials_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('issued_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_credentials_user_id'))
        batch_op.drop_index(batch_op.f('ix_issued_credentials_award_id'))

    op.drop_table('issued_credentials')
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_lists_issuer_id'))

    op.drop_table('status_lists')
    op.drop_table('issuer_keys')

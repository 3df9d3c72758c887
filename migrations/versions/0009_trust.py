"""issuer trust lists; batch items keep the issuer's identifier and its trust;
batches remember the API token that started them

Revision ID: 0009_trust
Revises: 0016_faults
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0009_trust'
down_revision = '0016_faults'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trusted_issuers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('identifier', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_trusted_issuers_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_trusted_issuers_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_issuers')),
    sa.UniqueConstraint('district_id', 'identifier', name=op.f('uq_trusted_issuers_district_id'))
    )
    with op.batch_alter_table('trusted_issuers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trusted_issuers_district_id'), ['district_id'], unique=False)

    with op.batch_alter_table('verification_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_verification_batches_api_token_id'), ['api_token_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_verification_batches_api_token_id_api_tokens'), 'api_tokens', ['api_token_id'], ['id'], ondelete='SET NULL')

    # Items checked before this revision keep no identifier: the CSV shows them as
    # not trusted (nothing was judged), never as trusted. The verdict column (a
    # VARCHAR without a constraint) takes the new unlisted_issuer and skipped as is.
    with op.batch_alter_table('verification_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_id', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('issuer_trusted_name', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('verification_items', schema=None) as batch_op:
        batch_op.drop_column('issuer_trusted_name')
        batch_op.drop_column('issuer_id')

    with op.batch_alter_table('verification_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_verification_batches_api_token_id_api_tokens'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_verification_batches_api_token_id'))
        batch_op.drop_column('api_token_id')

    with op.batch_alter_table('trusted_issuers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trusted_issuers_district_id'))

    op.drop_table('trusted_issuers')

"""status lists keep their URL; public reasons and internal notes; withdrawn keys

Revision ID: 0010_status
Revises: 0020_tz
Create Date: 2026-12-07

"""
import json

from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0010_status'
down_revision = '0020_tz'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url', sa.String(length=500), nullable=True))
    with op.batch_alter_table('issued_credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revocation_note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('suspension_note', sa.String(length=500), nullable=True))
    with op.batch_alter_table('issuer_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('compromised_at', pdhub.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', pdhub.db.UTCDateTime(timezone=True), nullable=True))

    # A list's URL is the one its credentials already carry: read it from one of
    # them. A list no credential points at yet gets its URL when first signed.
    connection = op.get_bind()
    lists = connection.execute(sa.text('SELECT id FROM status_lists')).scalars().all()
    for list_id in lists:
        text = connection.execute(
            sa.text(
                'SELECT credential_json FROM issued_credentials '
                'WHERE revocation_list_id = :list_id LIMIT 1'
            ),
            {'list_id': list_id},
        ).scalar()
        if text is None:
            continue
        entry = json.loads(text).get('credentialStatus')
        if isinstance(entry, list):
            entry = entry[0] if entry else None
        url = entry.get('statusListCredential') if isinstance(entry, dict) else None
        if isinstance(url, str):
            connection.execute(
                sa.text('UPDATE status_lists SET url = :url WHERE id = :list_id'),
                {'url': url, 'list_id': list_id},
            )


def downgrade():
    with op.batch_alter_table('issuer_keys', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('compromised_at')
    with op.batch_alter_table('issued_credentials', schema=None) as batch_op:
        batch_op.drop_column('suspension_note')
        batch_op.drop_column('revocation_note')
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.drop_column('url')

"""accounts: server-side half-finished sign-ins, emailed account links, verified
email addresses, password versions, and outbox messages that hold secrets

Revision ID: 0014_accounts
Revises: 0015_sessions
Create Date: 2026-12-07

"""
import unicodedata

from alembic import op
import sqlalchemy as sa

import pdhub.db


# revision identifiers, used by Alembic.
revision = '0014_accounts'
down_revision = '0015_sessions'
branch_labels = None
depends_on = None


def _canonical(address):
    # The same rule as pdhub.accounts.service.canonical_email (kept here so the
    # migration does not change when the code does).
    return unicodedata.normalize('NFKC', address).strip().casefold()


def _normalize_emails(table):
    """Rewrite each address in its canonical form, unless that would clash with a
    row already using it (then the row is left for an administrator)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f'SELECT id, email FROM {table}')).all()
    taken = {email for _, email in rows}
    for row_id, email in rows:
        canonical = _canonical(email)
        if canonical == email:
            continue
        if table == 'users' and canonical in taken:
            continue
        bind.execute(
            sa.text(f'UPDATE {table} SET email = :email WHERE id = :id'),
            {'email': canonical, 'id': row_id},
        )
        taken.add(canonical)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_version', sa.Integer(), server_default='1', nullable=False))
        # Existing addresses were never confirmed: their owners confirm them before
        # enrolling again or receiving a badge.
        batch_op.add_column(sa.Column('email_verified_at', pdhub.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holds_secret', sa.Boolean(), server_default=sa.text('false'), nullable=False))

    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('signin', 'verify_email', 'undo', name='token_purpose', native_enum=False, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_version', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', pdhub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', pdhub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_tokens_user_id'), ['user_id'], unique=False)

    _normalize_emails('users')
    _normalize_emails('invitations')

    # Sent reset and invitation emails kept their live links: empty those bodies.
    op.execute(
        sa.text(
            "UPDATE email_messages SET body = :purged, holds_secret = :yes "
            "WHERE sent_at IS NOT NULL AND (body LIKE '%/password/reset/%' "
            "OR body LIKE '%/invitations/%')"
        ).bindparams(
            purged='(Removed once sent: this message held a one-time link.)',
            yes=True,
        )
    )


def downgrade():
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_tokens_user_id'))
    op.drop_table('account_tokens')
    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.drop_column('holds_secret')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('password_version')

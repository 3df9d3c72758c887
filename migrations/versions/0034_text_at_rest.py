"""evidence texts encrypted at rest: the context and reflection of each draft and each
submitted version are stored as Fernet ciphertext under PDHUB_DATA_KEY, with the key's
fingerprint on every row; existing rows are encrypted here, in batches

Revision ID: 0034_text_at_rest
Revises: 0031_equity
Create Date: 2026-12-07 21:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034_text_at_rest"
down_revision = "0031_equity"
branch_labels = None
depends_on = None

TABLES = ("submissions", "submission_versions")
BATCH = 500


def _convert(
    table_name: str, source: tuple[str, str], target: tuple[str, str], change
) -> None:
    """Rewrite every row's two texts from the ``source`` columns into the ``target``
    columns through ``change``, BATCH rows at a time (keyset on id)."""
    from pdhub.privacy import encryption

    bind = op.get_bind()
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer),
        *(sa.column(name, sa.Text) for name in (*source, *target)),
        sa.column("text_key_version", sa.String),
    )
    version = encryption.key_version()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[source[0]], table.c[source[1]])
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, first, second in rows:
            bind.execute(
                table.update()
                .where(table.c.id == row_id)
                .values(
                    {
                        target[0]: change(first or ""),
                        target[1]: change(second or ""),
                        "text_key_version": version,
                    }
                )
            )
        last = rows[-1][0]


def upgrade():
    from pdhub.privacy import encryption

    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("context_encrypted", sa.Text(), nullable=True)
            )
            batch_op.add_column(
                sa.Column("reflection_encrypted", sa.Text(), nullable=True)
            )
            batch_op.add_column(
                sa.Column("text_key_version", sa.String(length=16), nullable=True)
            )
        _convert(
            name,
            ("context_text", "reflection_text"),
            ("context_encrypted", "reflection_encrypted"),
            encryption.seal,
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(
                "context_encrypted", existing_type=sa.Text(), nullable=False
            )
            batch_op.alter_column(
                "reflection_encrypted", existing_type=sa.Text(), nullable=False
            )
            batch_op.alter_column(
                "text_key_version", existing_type=sa.String(length=16), nullable=False
            )
            batch_op.drop_column("context_text")
            batch_op.drop_column("reflection_text")


def downgrade():
    from pdhub.privacy import encryption

    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("context_text", sa.Text(), nullable=True))
            batch_op.add_column(sa.Column("reflection_text", sa.Text(), nullable=True))
        _convert(
            name,
            ("context_encrypted", "reflection_encrypted"),
            ("context_text", "reflection_text"),
            encryption.unseal,
        )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(
                "context_text", existing_type=sa.Text(), nullable=False
            )
            batch_op.alter_column(
                "reflection_text", existing_type=sa.Text(), nullable=False
            )
            batch_op.drop_column("context_encrypted")
            batch_op.drop_column("reflection_encrypted")
            batch_op.drop_column("text_key_version")

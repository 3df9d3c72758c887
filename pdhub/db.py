"""Declarative base, constraint naming convention, UTC datetimes and shared mixins."""

from __future__ import annotations

import enum
import zlib
from datetime import UTC, datetime
from typing import Any, TypeAlias

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, text
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    registry,
    scoped_session,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# What services accept as their database session: a Session, or Flask-SQLAlchemy's
# ``db.session``, a scoped_session that passes every Session method on to the current
# app context's Session (so views and tasks hand it over as it is).
DbSession: TypeAlias = Session | scoped_session[FlaskSession]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def advisory_lock(session: DbSession, name: str) -> None:
    """Wait for the transaction-scoped PostgreSQL advisory lock called ``name`` (held
    until commit or rollback), so one transaction at a time makes a thing that must
    exist once; SQLite runs one writer at a time and needs none."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = (0x5044 << 32) | zlib.crc32(name.encode())  # "PD" above a hash of the name
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC (SQLite's naive values read as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use pdhub.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def value_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """An Enum column type storing member values (not names) in a VARCHAR."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={getattr(self, 'id', None)!r}>"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

"""The cohorts world: two districts, their people, coaches and modules."""

from tests.cohorts.conftest import signed_in, world  # noqa: F401

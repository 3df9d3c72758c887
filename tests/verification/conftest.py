"""Verification fixtures (shared with tests/api through tests.verification.fixtures)."""

from tests.verification.fixtures import documents, issuer, site  # noqa: F401
from tests.verification.network import no_lookups_past_loopback  # noqa: F401

"""API fixtures: the verification fixtures (issuer, documents, site)."""

from tests.verification.fixtures import documents, issuer, site  # noqa: F401

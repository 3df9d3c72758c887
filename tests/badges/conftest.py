"""Fixtures for the badges library tests: reference files, keys and credentials."""

from __future__ import annotations

import json
from typing import Any

import pytest
from badge_samples import ISSUER_SEED, VECTOR_DIR

from badges.keys import Ed25519KeyPair


@pytest.fixture
def vector_credential() -> dict[str, Any]:
    """The OB 3.0 specification's eddsa-rdfc-2022 worked example, as published."""
    data: dict[str, Any] = json.loads((VECTOR_DIR / "credential.json").read_text())
    return data


@pytest.fixture
def vector_controller() -> dict[str, Any]:
    """The controller document holding the worked example's public key."""
    data: dict[str, Any] = json.loads((VECTOR_DIR / "controller.json").read_text())
    return data


@pytest.fixture
def issuer_key() -> Ed25519KeyPair:
    """A fixed issuer key, so failures reproduce."""
    return Ed25519KeyPair.from_seed(ISSUER_SEED)

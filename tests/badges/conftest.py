"""Fixtures for the badges library tests: reference files and sample credentials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
OB3_SPEC = SHARED / "spec" / "ob3"
VECTOR_DIR = OB3_SPEC / "1edtech-vector"


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

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.lti.platform import Platform


@pytest.fixture
def platform(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    lms = Platform()
    monkeypatch.setitem(app.config, "PDHUB_LTI_ALLOWED_HOSTS", lms.origin)
    with lms.running():
        yield lms

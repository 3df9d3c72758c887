"""The offline document loader serves pinned contexts and nothing else."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest

from badges import documents
from badges.errors import ContextIntegrityError, UnknownDocumentError


@pytest.mark.parametrize("url", sorted(documents.PINNED_CONTEXTS))
def test_every_pinned_context_loads_and_matches_its_hash(url: str) -> None:
    pin = documents.PINNED_CONTEXTS[url]
    data = resources.files("badges").joinpath("contexts", pin.filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == pin.sha256
    remote = documents.document_loader(url, {})
    assert remote["documentUrl"] == url
    assert "@context" in remote["document"]


def test_sources_file_lists_every_pinned_context_with_its_hash() -> None:
    sources = resources.files("badges").joinpath("contexts", "SOURCES.md").read_text()
    for pin in documents.PINNED_CONTEXTS.values():
        assert pin.url in sources
        assert pin.sha256 in sources


def test_unknown_url_is_an_error_not_a_fetch() -> None:
    with pytest.raises(UnknownDocumentError, match="not bundled"):
        documents.document_loader("https://example.org/context.json")
    assert not documents.is_bundled("https://example.org/context.json")
    assert documents.is_bundled(documents.CREDENTIALS_V2)


def test_loaded_context_is_a_private_copy() -> None:
    first = documents.load_context(documents.CREDENTIALS_V2)
    first["@context"]["tampered"] = "https://evil.example/"
    second = documents.load_context(documents.CREDENTIALS_V2)
    assert "tampered" not in second["@context"]


def test_a_context_file_that_changed_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "https://example.org/pinned-with-wrong-hash"
    monkeypatch.setitem(
        documents.PINNED_CONTEXTS,
        url,
        documents.PinnedContext(url, "credentials-v2.json", "0" * 64),
    )
    documents._pinned_bytes.cache_clear()
    try:
        with pytest.raises(ContextIntegrityError, match="pinned"):
            documents.load_context(url)
    finally:
        documents._pinned_bytes.cache_clear()

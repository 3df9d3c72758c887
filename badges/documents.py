"""Offline JSON-LD document loader: serves only the contexts bundled in the package."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from badges.errors import ContextIntegrityError, UnknownDocumentError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3P0_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
DATA_INTEGRITY_V1 = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
CLR_V2P0_201 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


@dataclass(frozen=True)
class PinnedContext:
    """A bundled context: the URL it answers for, its file and the file's SHA-256."""

    url: str
    filename: str
    sha256: str


# Pinned by URL and hash: a context that changed under us would change every
# signature computed over it, so a mismatch is an error, never a warning.
# badges/contexts/SOURCES.md records the npm package each file came from.
PINNED_CONTEXTS: dict[str, PinnedContext] = {
    pin.url: pin
    for pin in (
        PinnedContext(
            CREDENTIALS_V2,
            "credentials-v2.json",
            "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
        ),
        PinnedContext(
            CREDENTIALS_V1,
            "credentials-v1.json",
            "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8",
        ),
        PinnedContext(
            OB_V3P0_303,
            "ob-v3p0-context-3.0.3.json",
            "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
        ),
        PinnedContext(
            OB_V3P0_EXTENSIONS,
            "ob-v3p0-extensions.json",
            "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e",
        ),
        PinnedContext(
            ED25519_2020,
            "ed25519-signature-2020-v1.json",
            "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
        ),
        PinnedContext(
            DATA_INTEGRITY_V2,
            "data-integrity-v2.json",
            "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
        ),
        PinnedContext(
            DATA_INTEGRITY_V1,
            "data-integrity-v1.json",
            "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
        ),
        PinnedContext(
            MULTIKEY_V1,
            "multikey-v1.json",
            "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6",
        ),
        PinnedContext(
            DID_V1,
            "did-v1.json",
            "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
        ),
        PinnedContext(
            CLR_V2P0_201,
            "clr-v2p0-context-2.0.1.json",
            "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6",
        ),
    )
}


def is_bundled(url: str) -> bool:
    """Tell whether ``url`` names a context bundled with the library."""
    return url in PINNED_CONTEXTS


@functools.cache
def _pinned_bytes(url: str) -> bytes:
    pin = PINNED_CONTEXTS.get(url)
    if pin is None:
        raise UnknownDocumentError(
            f"the JSON-LD context {url!r} is not bundled; contexts are never fetched"
        )
    data = resources.files("badges").joinpath("contexts", pin.filename).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != pin.sha256:
        raise ContextIntegrityError(
            f"bundled context {pin.filename} has sha256 {digest}, pinned {pin.sha256}"
        )
    return data


@functools.cache
def _pinned_json(url: str) -> dict[str, Any]:
    loaded = json.loads(_pinned_bytes(url))
    if not isinstance(loaded, dict):  # pragma: no cover - pinned files are objects
        raise ContextIntegrityError(f"bundled context for {url} is not a JSON object")
    return loaded


def load_context(url: str) -> dict[str, Any]:
    """Return a private copy of the bundled context document for ``url``.

    Applies the offline rule of DESIGN.md §5 (contexts bundled, never fetched).
    Raises UnknownDocumentError for a URL that is not bundled and
    ContextIntegrityError when the bundled file does not match its pinned hash.
    """
    return copy.deepcopy(_pinned_json(url))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load ``url`` for pyld (a JSON-LD 1.1 LoadDocumentCallback), never online.

    Raises UnknownDocumentError for any URL that is not a bundled context.
    """
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
    }

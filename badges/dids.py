"""DIDs and controller documents (did:key, did:web) and resolving verification keys."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from badges.documents import DID_V1, MULTIKEY_V1
from badges.errors import BadgeError, KeyFormatError, ResolutionError
from badges.keys import (
    decode_public_key_multibase,
    did_key_verification_method,
    encode_public_key_multibase,
    load_public_key,
    public_key_from_did_key,
)
from badges.limits import DEFAULT_LIMITS, Limits, parse_json_text
from badges.multibase import base58btc_decode, base64url_decode

JsonFetcher = Callable[[str], Any]
"""Fetch an https URL and return its JSON: parsed, or as text or bytes."""

ASSERTION_METHOD = "assertionMethod"

_HOST = re.compile(r"[A-Za-z0-9.\-]+")
_SEGMENT = re.compile(r"[A-Za-z0-9._~\-%]+")


def did_web_from_url(base_url: str) -> str:
    """Return the did:web DID for an https origin and optional path.

    Applies did:web §3.1 (Create): the host, a port percent-encoded as ``%3A``,
    then each path segment after a ``:``; ``https://example.org`` gives
    ``did:web:example.org``. Raises ValueError for a non-https or malformed URL.
    """
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("did:web needs an https URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("did:web URLs carry no query, fragment or credentials")
    host = parts.hostname
    if not _HOST.fullmatch(host):
        raise ValueError(f"host {host!r} cannot be a did:web domain")
    authority = host if parts.port is None else f"{host}%3A{parts.port}"
    segments = [segment for segment in parts.path.split("/") if segment]
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(f"path segment {segment!r} cannot be in a did:web DID")
    if segments == [".well-known"]:
        segments = []
    return ":".join(["did:web", authority, *segments])


def did_web_document_url(did: str) -> str:
    """Return the https URL of a did:web DID's document (did:web §3.2, Read).

    ``did:web:example.org`` resolves at ``https://example.org/.well-known/did.json``,
    ``did:web:example.org:issuers:1`` at ``https://example.org/issuers/1/did.json``.
    Raises ResolutionError for a malformed did:web DID.
    """
    if not did.startswith("did:web:") or "#" in did or "?" in did or "/" in did:
        raise ResolutionError(f"{did!r} is not a did:web DID")
    authority, *segments = did[len("did:web:") :].split(":")
    host, _, port = urllib.parse.unquote(authority).partition(":")
    if not _HOST.fullmatch(host) or (port and not port.isdigit()):
        raise ResolutionError(f"{did!r} does not name a valid host")
    if any(not _SEGMENT.fullmatch(segment) for segment in segments):
        raise ResolutionError(f"{did!r} has an empty or malformed path segment")
    origin = f"https://{host}:{port}" if port else f"https://{host}"
    if not segments:
        return f"{origin}/.well-known/did.json"
    return f"{origin}/{'/'.join(segments)}/did.json"


def did_key_document(did: str) -> dict[str, Any]:
    """Build the DID document of an Ed25519 did:key (did:key method §3.1.2, Multikey).

    Raises KeyFormatError when ``did`` is not an Ed25519 did:key DID.
    """
    public_key, multibase = public_key_from_did_key(did)
    method_id = did_key_verification_method(did)
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": encode_public_key_multibase(public_key),
            }
        ],
        "authentication": [method_id],
        ASSERTION_METHOD: [method_id],
        "capabilityDelegation": [method_id],
        "capabilityInvocation": [method_id],
    }


@dataclass(frozen=True)
class PublishedKey:
    """A public key listed in a controller document, current or retired."""

    public_key_multibase: str
    assertion: bool = True
    """Whether credentials signed with it verify. Keep True for a key retired by
    rotation (old credentials stay valid); set False only for a compromised key."""


def controller_document(
    controller: str, keys: Sequence[PublishedKey]
) -> dict[str, Any]:
    """Build a controller (DID) document listing several Ed25519 Multikeys.

    For did:web, ``controller`` is the DID and the result is served as did.json.
    Keys keep their multibase as fragment, so a key's id never changes when keys
    are added: rotation adds the new key and keeps the old ones listed.
    Raises KeyFormatError for a malformed key and ValueError when no key is given
    or a key appears twice.
    """
    if not keys:
        raise ValueError("a controller document lists at least one key")
    methods: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key in keys:
        decode_public_key_multibase(key.public_key_multibase)
        if key.public_key_multibase in seen:
            raise ValueError("a key is listed twice")
        seen.add(key.public_key_multibase)
        methods.append(
            {
                "id": f"{controller}#{key.public_key_multibase}",
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": key.public_key_multibase,
            }
        )
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": controller,
        "verificationMethod": methods,
        ASSERTION_METHOD: [
            method["id"]
            for method, key in zip(methods, keys, strict=True)
            if key.assertion
        ],
    }


@dataclass(frozen=True)
class VerificationKey:
    """A resolved verification method: its id, controller, key and relationships."""

    id: str
    controller: str
    public_key: bytes
    relationships: frozenset[str] = field(default_factory=frozenset)

    def authorized_for(self, purpose: str) -> bool:
        """Tell whether the controller document lists this key under ``purpose``."""
        return purpose in self.relationships


class Resolver:
    """Resolve verification method ids to public keys, offline when possible.

    did:key is resolved locally. did:web and https controller documents are
    fetched through the injected ``fetch`` function, only for hosts in
    ``allowed_hosts`` when that is given (the deployment can restrict it); with
    no ``fetch`` they are not resolvable at all. Documents are cached per
    resolver.
    """

    def __init__(
        self,
        fetch: JsonFetcher | None = None,
        *,
        allowed_hosts: Collection[str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        cache_size: int = 256,
    ) -> None:
        self._fetch = fetch
        self._allowed_hosts = (
            None
            if allowed_hosts is None
            else frozenset(h.lower() for h in allowed_hosts)
        )
        self._limits = limits
        self._cache_size = cache_size
        self._documents: dict[str, dict[str, Any]] = {}

    def resolve(self, method_id: str) -> VerificationKey:
        """Return the Ed25519 key of verification method ``method_id``.

        Applies W3C Controlled Identifiers §3.3 (retrieve verification method):
        the controller document is the DID document (did:key, did:web) or the
        https document at the URL without fragment; its ``id`` must match and
        it must list the method, whose ``controller`` must be that document.
        Raises ResolutionError when anything is missing, malformed or refused.
        """
        if not isinstance(method_id, str) or "#" not in method_id:
            raise ResolutionError(
                "a verification method id is a DID or URL with a #fragment"
            )
        if method_id.startswith("did:key:"):
            try:
                public_key, _ = public_key_from_did_key(method_id)
            except KeyFormatError as exc:
                raise ResolutionError(f"cannot resolve {method_id!r}: {exc}") from exc
            return VerificationKey(
                id=method_id,
                controller=method_id.partition("#")[0],
                public_key=public_key,
                relationships=frozenset(
                    {
                        ASSERTION_METHOD,
                        "authentication",
                        "capabilityDelegation",
                        "capabilityInvocation",
                    }
                ),
            )
        controller = method_id.partition("#")[0]
        document = self.controller_document(controller)
        return _find_method(document, controller, method_id)

    def controller_document(self, controller: str) -> dict[str, Any]:
        """Return the controller document of a did:key, did:web or https controller.

        Raises ResolutionError when it cannot be fetched, is not allowed, is not
        a JSON object or names a different ``id``.
        """
        if controller.startswith("did:key:"):
            try:
                return did_key_document(controller)
            except KeyFormatError as exc:
                raise ResolutionError(f"cannot resolve {controller!r}: {exc}") from exc
        cached = self._documents.get(controller)
        if cached is not None:
            return cached
        if controller.startswith("did:web:"):
            url = did_web_document_url(controller)
        elif controller.startswith("https://"):
            url = controller
        else:
            raise ResolutionError(
                f"{controller!r} uses a DID method or scheme this verifier "
                "does not resolve (did:key, did:web and https are supported)"
            )
        document = self._fetch_json(url)
        if document.get("id") != controller:
            raise ResolutionError(
                f"the document at {url} is for {document.get('id')!r}, "
                f"not {controller!r}"
            )
        if len(self._documents) >= self._cache_size:
            self._documents.pop(next(iter(self._documents)))
        self._documents[controller] = document
        return document

    def _fetch_json(self, url: str) -> dict[str, Any]:
        if self._fetch is None:
            raise ResolutionError(
                f"resolving {url} needs the network, and no fetcher is configured"
            )
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        if self._allowed_hosts is not None and host not in self._allowed_hosts:
            raise ResolutionError(f"the host {host!r} is not in the allow-list")
        try:
            fetched = self._fetch(url)
            if isinstance(fetched, str | bytes):
                fetched = parse_json_text(fetched, self._limits)
            else:
                json.dumps(fetched)  # plain JSON only
        except BadgeError as exc:
            raise ResolutionError(f"fetching {url} failed: {exc}") from exc
        except Exception as exc:  # the fetcher is caller code: report, don't crash
            raise ResolutionError(f"fetching {url} failed: {exc}") from exc
        if not isinstance(fetched, dict):
            raise ResolutionError(f"the document at {url} is not a JSON object")
        return fetched


def _find_method(
    document: Mapping[str, Any], controller: str, method_id: str
) -> VerificationKey:
    def absolute(reference: Any) -> Any:
        # Relative references ("#key-1") are relative to the controller.
        if isinstance(reference, str) and reference.startswith("#"):
            return controller + reference
        return reference

    methods = document.get("verificationMethod", [])
    if not isinstance(methods, list):
        raise ResolutionError("verificationMethod is not a list")
    relationships: set[str] = set()
    found: Mapping[str, Any] | None = None
    for method in methods:
        if isinstance(method, Mapping) and absolute(method.get("id")) == method_id:
            found = method
    for relationship in (
        ASSERTION_METHOD,
        "authentication",
        "capabilityDelegation",
        "capabilityInvocation",
    ):
        entries = document.get(relationship, [])
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, Mapping):
                if absolute(entry.get("id")) == method_id:
                    relationships.add(relationship)
                    found = found or entry
            elif absolute(entry) == method_id:
                relationships.add(relationship)
    if found is None:
        raise ResolutionError(f"{controller} does not list the key {method_id}")
    if absolute(found.get("controller")) != controller:
        raise ResolutionError(
            f"the key {method_id} is controlled by {found.get('controller')!r}, "
            f"not {controller!r}"
        )
    return VerificationKey(
        id=method_id,
        controller=controller,
        public_key=_public_key_of(found),
        relationships=frozenset(relationships),
    )


def _public_key_of(method: Mapping[str, Any]) -> bytes:
    # Multikey and Ed25519VerificationKey2020 (publicKeyMultibase), the 2018
    # suite (publicKeyBase58) and JsonWebKey / JsonWebKey2020 (OKP Ed25519).
    try:
        if "publicKeyMultibase" in method:
            raw = decode_public_key_multibase(method["publicKeyMultibase"])
        elif "publicKeyBase58" in method:
            raw = base58btc_decode(method["publicKeyBase58"])
        elif "publicKeyJwk" in method:
            jwk = method["publicKeyJwk"]
            if not (
                isinstance(jwk, Mapping)
                and jwk.get("kty") == "OKP"
                and jwk.get("crv") == "Ed25519"
                and "d" not in jwk
            ):
                raise KeyFormatError("publicKeyJwk is not a public Ed25519 OKP key")
            raw = base64url_decode(jwk.get("x", ""))
        else:
            raise KeyFormatError("the verification method carries no public key")
        load_public_key(raw)
    except (KeyFormatError, ValueError, TypeError) as exc:
        raise ResolutionError(f"unusable key in {method.get('id')!r}: {exc}") from exc
    return raw

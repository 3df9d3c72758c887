"""Canonical N-Quads of a JSON-LD document (toRdf, then RDFC-1.0), in safe mode.

Safe mode means nothing in the document is silently lost or guessed: a property
or type that no context defines, a relative IRI (which a processor would resolve
against some default base), a ``null``, an unknown ``@`` keyword or an
``@direction`` (which has no RDF form unless a verifier opts in) is an error. A
signer that dropped them would sign less than it shows, and strict verifiers
(jsonld.js in safe mode, as used by Digital Bazaar's libraries) reject them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from badges.documents import document_loader
from badges.errors import (
    BadgeError,
    CanonicalizationError,
    RelativeIriError,
    UndefinedTermError,
)
from badges.expansion import Unsupported, document_quads
from badges.limits import DEFAULT_LIMITS, Limits, check_json_shape
from badges.rdfc import (
    Quad,
    blank_term,
    canonicalize_quads,
    iri_term,
    is_absolute_iri,
    literal_term,
)

RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_JSONLD_KEYWORDS = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)

_thread_state = threading.local()


def _shared_context_cache() -> LRUCache[str, Any]:
    # pyld keeps resolved contexts in a plain LRU cache that is not thread-safe,
    # so each thread has its own; it is bounded because documents may carry
    # inline contexts, which pyld caches too.
    cache = getattr(_thread_state, "contexts", None)
    if cache is None:
        cache = LRUCache(maxsize=256)
        _thread_state.contexts = cache
    return cast("LRUCache[str, Any]", cache)


def _cached_document_loader(url: str, options: dict[str, Any] | None = None) -> Any:
    remote = document_loader(url, options)
    # "static" lets pyld keep the resolved context across operations; the
    # content is pinned by hash, so it can never go stale.
    remote["tag"] = "static"
    return remote


def _raise_dropped(expanded_property: str, *_: Any) -> None:
    raise UndefinedTermError(
        f"the term {expanded_property!r} is not defined by any context "
        "(it would be dropped from the signed data)"
    )


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with every expansion checked for relative IRIs."""

    def expand(self, input_: Any, options: dict[str, Any]) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded)
        return expanded


def _options() -> dict[str, Any]:
    return {
        # No base at all: a relative IRI stays relative (and is then refused)
        # instead of being resolved against pyld's http://example.org/base/.
        "base": None,
        "documentLoader": _cached_document_loader,
        "contextResolver": ContextResolver(
            _shared_context_cache(), _cached_document_loader
        ),
        "processingMode": "json-ld-1.1",
    }


def prepare_document(
    document: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Check a JSON-LD document before any JSON-LD processing; return a clean copy.

    Applies the bounds of ``limits`` and the safe-mode rules that need the
    compact form: no ``null`` value, no unknown ``@`` keyword, no ``@direction``.
    In the copy, integral floats (3.0) become integers, as JSON-LD 1.1 toRdf
    (Object to RDF Conversion) and JavaScript processors treat them; pyld would
    otherwise give them the xsd:double form and disagree with other verifiers.
    Raises InputLimitError, CanonicalizationError or TypeError.
    """
    if not isinstance(document, Mapping):
        raise TypeError("a JSON-LD document must be a JSON object")
    check_json_shape(document, limits)
    return cast(dict[str, Any], _clean(document))


def _clean(item: Any) -> Any:
    # Recursion depth is bounded by check_json_shape.
    if isinstance(item, Mapping):
        cleaned: dict[str, Any] = {}
        for key, value in item.items():
            if key.startswith("@") and key not in _JSONLD_KEYWORDS:
                raise UndefinedTermError(f"{key!r} is not a JSON-LD keyword")
            if key == "@direction":
                raise CanonicalizationError(
                    "@direction has no agreed RDF form and is refused"
                )
            if value is None:
                raise CanonicalizationError(
                    f"{key!r} is null; null values are not signed"
                )
            cleaned[key] = _clean(value)
        return cleaned
    if isinstance(item, list):
        if any(value is None for value in item):
            raise CanonicalizationError("a list holds null")
        return [_clean(value) for value in item]
    if isinstance(item, float) and item.is_integer() and abs(item) < 1e21:
        return int(item)
    return item


def _check_expanded(expanded: Any) -> None:
    # Every IRI left in the expanded form must be absolute: pyld would skip a
    # quad with a relative IRI when converting to RDF, i.e. silently drop it.
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            datatype = item.get("@type")
            if (
                isinstance(datatype, str)
                and datatype != "@json"
                and not is_absolute_iri(datatype)
            ):
                raise UndefinedTermError(
                    f"the datatype {datatype!r} is not defined by any context"
                )
            continue
        for key, value in item.items():
            if key == "@id":
                if not value.startswith("_:") and not is_absolute_iri(value):
                    raise RelativeIriError(
                        f"the identifier {value!r} is not an absolute IRI"
                    )
            elif key == "@type":
                for type_iri in value:
                    if not type_iri.startswith("_:") and not is_absolute_iri(type_iri):
                        raise UndefinedTermError(
                            f"the type {type_iri!r} is not defined by any context"
                        )
            elif key.startswith("@"):
                stack.append(value)
            else:
                if key.startswith("_:") or not is_absolute_iri(key):
                    raise UndefinedTermError(
                        f"the property {key!r} does not expand to an absolute IRI"
                    )
                stack.append(value)


def _unwrap(error: Exception) -> BadgeError | None:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, BadgeError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _term(node: Mapping[str, Any]) -> str:
    kind = node["type"]
    value = cast(str, node["value"])
    if kind == "IRI":
        return iri_term(value)
    if kind == "blank node":
        return blank_term(value)
    datatype = cast(str, node.get("datatype"))
    if datatype == RDF_LANGSTRING:
        return literal_term(value, language=cast(str, node["language"]))
    return literal_term(value, datatype)


def to_quads(
    document: Mapping[str, Any],
    limits: Limits = DEFAULT_LIMITS,
    *,
    fast: bool = True,
) -> list[Quad]:
    """Convert a JSON-LD document to RDF quads (JSON-LD 1.1 Deserialize to RDF).

    Contexts come only from the bundled, pinned set. Safe mode applies (see the
    module docstring). With ``fast`` (the default) documents within the subset
    of JSON-LD that the pinned contexts use are expanded by badges.expansion,
    with memoized contexts; everything else, and ``fast=False``, goes through
    pyld. Raises InputLimitError, UndefinedTermError, RelativeIriError,
    UnknownDocumentError or CanonicalizationError.
    """
    prepared = prepare_document(document, limits)
    processor = _SafeProcessor(on_property_dropped=_raise_dropped)
    options = _options()
    try:
        if fast:
            try:
                return document_quads(prepared, processor, options, _check_expanded)
            except Unsupported:
                pass
        dataset = processor.to_rdf(prepared, options)
    except BadgeError:
        raise
    except Exception as exc:  # pyld raises JsonLdError, wrapping our own errors
        wrapped = _unwrap(exc)
        if wrapped is not None:
            raise wrapped from exc
        raise CanonicalizationError(f"invalid JSON-LD: {_describe(exc)}") from exc
    quads = []
    for graph_name, triples in dataset.items():
        graph = "" if graph_name == "@default" else _graph_term(graph_name)
        for triple in triples:
            quads.append(
                (
                    _term(triple["subject"]),
                    _term(triple["predicate"]),
                    _term(triple["object"]),
                    graph,
                )
            )
    return quads


def _graph_term(name: str) -> str:
    return blank_term(name) if name.startswith("_:") else iri_term(name)


def _describe(error: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None and len(parts) < 4:
        message = str(current.args[0]) if current.args else type(current).__name__
        if message and message not in parts:
            parts.append(message)
        current = current.__cause__
    return "; ".join(parts) or type(error).__name__


def canonicalize(
    document: Mapping[str, Any],
    limits: Limits = DEFAULT_LIMITS,
    *,
    fast: bool = True,
) -> str:
    """Return the RDFC-1.0 canonical N-Quads of a JSON-LD document.

    Applies JSON-LD 1.1 toRdf in safe mode with the bundled contexts only, then
    W3C RDFC-1.0 (SHA-256). Raises InputLimitError (size, depth, quads, blank
    nodes, work, time), UndefinedTermError, RelativeIriError,
    UnknownDocumentError or CanonicalizationError.
    """
    return canonicalize_quads(to_quads(document, limits, fast=fast), limits)

"""Fast JSON-LD 1.1 expansion to RDF quads for documents built on pinned contexts.

pyld spends most of a canonicalization re-processing the same contexts (the VC
v2 and OB 3.0.3 contexts, and their type-scoped contexts) for every document.
Those contexts are pinned by hash, so here each context transition is processed
by pyld once and remembered by identity; expansion (JSON-LD 1.1 §5.1.2, the
parts the pinned contexts use) and the RDF conversion (§8.6) then run on plain
dicts. Anything outside that subset (inline contexts, @graph containers, @json,
@language, @reverse, @nest, @included, ...) raises Unsupported, and the caller
falls back to pyld's full algorithm. A differential test keeps both paths
byte-identical on a generated corpus.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pyld.jsonld import (
    KEYWORDS,
    JsonLdProcessor,
    _canonicalize_double,
    _is_absolute_iri,
)

from badges.errors import CanonicalizationError, UndefinedTermError
from badges.rdfc import Quad, blank_term, iri_term, literal_term

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = f"<{RDF}type>"
RDF_FIRST = f"<{RDF}first>"
RDF_REST = f"<{RDF}rest>"
RDF_NIL = f"<{RDF}nil>"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_BOOLEAN = f"{XSD}boolean"
XSD_DOUBLE = f"{XSD}double"
XSD_INTEGER = f"{XSD}integer"

_KEYWORDS = frozenset(KEYWORDS)
_SUPPORTED_CONTAINERS = frozenset({"@set", "@list"})
_TYPE_WAS_ARRAY = "\0type-was-array"
# Bounds on what is remembered, so hostile documents cannot grow memory: past
# them, expansion still works, it just is not memoized (or falls back).
_MAX_TRANSITIONS = 4096
_MAX_IRIS_PER_CONTEXT = 4096


class Unsupported(Exception):  # noqa: N818 - a signal to fall back, not an error
    """The document uses a JSON-LD feature this fast path leaves to pyld."""


_get = JsonLdProcessor.get_context_value


class _ContextMemo:
    """pyld active contexts, each transition processed once and kept by identity."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transitions: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        self._iris: dict[int, tuple[Any, dict[tuple[str, bool | None], Any]]] = {}

    def transition(
        self,
        processor: JsonLdProcessor,
        options: dict[str, Any],
        active: Any,
        local: Any,
        *,
        propagate: bool = True,
        override_protected: bool = False,
    ) -> Any:
        # Local contexts are either URL tuples (keyed by value) or context
        # objects from pinned documents (kept alive here, keyed by identity).
        local_key = local if isinstance(local, tuple) else id(local)
        key = (id(active), local_key, propagate, override_protected)
        hit = self._transitions.get(key)
        if hit is not None and hit[1] is active:
            return hit[0]
        result = processor._process_context(
            active,
            list(local) if isinstance(local, tuple) else local,
            options,
            override_protected=override_protected,
            propagate=propagate,
        )
        with self._lock:
            if len(self._transitions) >= _MAX_TRANSITIONS:
                raise Unsupported("too many distinct contexts to remember")
            self._transitions[key] = (result, active, local)
        return result

    def iris(self, active: Any) -> dict[tuple[str, bool | None], Any]:
        entry = self._iris.get(id(active))
        if entry is not None and entry[0] is active:
            return entry[1]
        table: dict[tuple[str, bool | None], Any] = {}
        with self._lock:
            if len(self._iris) < _MAX_TRANSITIONS:
                self._iris[id(active)] = (active, table)
        return table


_MEMO = _ContextMemo()


@dataclass(frozen=True, slots=True)
class _Term:
    """What expansion needs from one term definition, read once per context."""

    scoped_context: Any
    containers: frozenset[str]
    type: Any
    tagged: bool
    reverse: bool


_NO_TERM = _Term(None, frozenset(), None, False, False)


def _term_info(
    active: Any, key: str | None, table: dict[tuple[str, bool | None], Any]
) -> _Term:
    if key is None:
        return _NO_TERM
    cached = table.get((key, None))
    if cached is not None:
        return cast(_Term, cached)
    container = _get(active, key, "@container")
    mapping = active["mappings"].get(key)
    info = _Term(
        scoped_context=_get(active, key, "@context"),
        containers=frozenset(
            ()
            if container is None
            else container
            if isinstance(container, list)
            else [container]
        ),
        type=_get(active, key, "@type"),
        tagged=_get(active, key, "@language") is not None
        or _get(active, key, "@direction") is not None,
        reverse=bool(mapping and mapping.get("reverse")),
    )
    if len(table) < _MAX_IRIS_PER_CONTEXT:
        table[(key, None)] = info
    return info


class _Expander:
    """One document's expansion and conversion to quads."""

    def __init__(self, processor: JsonLdProcessor, options: dict[str, Any]) -> None:
        self.processor = processor
        self.options = options
        self.quads: list[Quad] = []
        self.blank_nodes: dict[str, str] = {}
        self.counter = 0
        self.tables: dict[int, dict[tuple[str, bool | None], Any]] = {}

    def table(self, active: Any) -> dict[tuple[str, bool | None], Any]:
        # Active contexts stay alive during one expansion, so id() is stable.
        table = self.tables.get(id(active))
        if table is None:
            table = self.tables[id(active)] = _MEMO.iris(active)
        return table

    def term(self, active: Any, key: str | None) -> _Term:
        return _term_info(active, key, self.table(active))

    # --- context handling -------------------------------------------------

    def apply(
        self,
        active: Any,
        local: Any,
        *,
        from_document: bool = False,
        propagate: bool = True,
        override_protected: bool = False,
    ) -> Any:
        if isinstance(local, str):
            local = (local,)
        elif isinstance(local, list) and all(isinstance(url, str) for url in local):
            local = tuple(local)
        elif from_document:
            # Inline contexts in the document are left to pyld: only the
            # pinned contexts' own scoped contexts are remembered by identity.
            raise Unsupported("inline context objects")
        return _MEMO.transition(
            self.processor,
            self.options,
            active,
            local,
            propagate=propagate,
            override_protected=override_protected,
        )

    def expand_iri(self, active: Any, value: str, *, vocab: bool) -> Any:
        table = self.table(active)
        key = (value, vocab)
        if key in table:
            return table[key]
        result = self.processor._expand_iri(active, value, base=None, vocab=vocab)
        if len(table) < _MAX_IRIS_PER_CONTEXT:
            table[key] = result
        return result

    # --- expansion (JSON-LD 1.1 §5.1.2, pyld's _expand) -------------------

    def expand_document(self, document: Mapping[str, Any]) -> list[Any]:
        initial = self.processor._get_initial_context(self.options)
        expanded = self.element(initial, None, document, inside_list=False)
        if expanded is None:
            return []
        return expanded if isinstance(expanded, list) else [expanded]

    def element(
        self,
        active: Any,
        active_property: str | None,
        element: Any,
        *,
        inside_list: bool,
        type_scoped: Any = None,
    ) -> Any:
        if isinstance(element, list):
            inside_list = (
                inside_list or "@list" in self.term(active, active_property).containers
            )
            values: list[Any] = []
            for item in element:
                expanded = self.element(
                    active,
                    active_property,
                    item,
                    inside_list=inside_list,
                    type_scoped=type_scoped,
                )
                if inside_list and isinstance(expanded, list):
                    raise Unsupported("lists of lists")
                if isinstance(expanded, list):
                    values.extend(expanded)
                elif expanded is not None:
                    values.append(expanded)
            return values
        if not isinstance(element, dict):
            return self.value(active, active_property, element)
        return self.node(active, active_property, element, inside_list, type_scoped)

    def node(
        self,
        active: Any,
        active_property: str | None,
        element: dict[str, Any],
        inside_list: bool,
        type_scoped: Any,
    ) -> Any:
        property_scoped = self.term(active, active_property).scoped_context
        if not type_scoped and active.get("previousContext"):
            type_scoped = active
        must_revert = True
        if type_scoped and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded_key = self.expand_iri(type_scoped, key, vocab=True)
                if expanded_key == "@value":
                    must_revert = False
                    active = type_scoped
                    break
                if expanded_key == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active = active.get("previousContext", active)
        if property_scoped is not None:
            active = self.apply(active, property_scoped, override_protected=True)
        if "@context" in element:
            active = self.apply(active, element["@context"], from_document=True)
        type_scoped = active
        for key in sorted(element):
            if self.expand_iri(active, key, vocab=True) != "@type":
                continue
            types = element[key] if isinstance(element[key], list) else [element[key]]
            for type_ in sorted(t for t in types if isinstance(t, str)):
                scoped = self.term(type_scoped, type_).scoped_context
                if scoped is not None and scoped is not False:
                    active = self.apply(active, scoped, propagate=False)
        result = self.properties(active, element, type_scoped)
        return _finish(result, active_property, inside_list)

    def properties(
        self, active: Any, element: dict[str, Any], type_scoped: Any
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in sorted(element.items()):
            if key == "@context":
                continue
            expanded_key = self.expand_iri(active, key, vocab=True)
            if expanded_key is None or not (
                expanded_key in _KEYWORDS or _is_absolute_iri(expanded_key)
            ):
                raise UndefinedTermError(
                    f"the term {expanded_key!r} is not defined by any context "
                    "(it would be dropped from the signed data)"
                )
            if expanded_key in _KEYWORDS:
                self.keyword(active, expanded_key, value, result, type_scoped)
                continue
            info = self.term(active, key)
            term_active = active
            if info.scoped_context is not None:
                term_active = self.apply(
                    active, info.scoped_context, override_protected=True
                )
            container = info.containers
            if container - _SUPPORTED_CONTAINERS:
                raise Unsupported(f"@container {sorted(container)}")
            if info.type == "@json":
                raise Unsupported("@json values")
            if self.term(term_active, key).reverse:  # pragma: no cover - not pinned
                raise Unsupported("reverse properties")
            expanded = self.element(term_active, key, value, inside_list=False)
            if expanded is None:  # pragma: no cover - only top-level nodes drop
                continue
            if "@list" in container and not _is_list(expanded):
                expanded = {
                    "@list": expanded if isinstance(expanded, list) else [expanded]
                }
            values = result.setdefault(expanded_key, [])
            if isinstance(expanded, list):
                values.extend(expanded)
            else:
                values.append(expanded)
        return result

    def keyword(
        self,
        active: Any,
        keyword: str,
        value: Any,
        result: dict[str, Any],
        type_scoped: Any,
    ) -> None:
        if keyword in result and keyword != "@type":
            raise CanonicalizationError(f"colliding keywords: {keyword}")
        if keyword == "@id":
            if not isinstance(value, str):
                raise CanonicalizationError('"@id" value must be a string')
            result["@id"] = self.processor._expand_iri(active, value, base=None)
        elif keyword == "@type":
            types = value if isinstance(value, list) else [value]
            if not all(isinstance(t, str) for t in types):
                raise CanonicalizationError('"@type" values must be strings')
            expanded = [self.expand_iri(type_scoped, t, vocab=True) for t in types]
            result.setdefault("@type", []).extend(expanded)
            if isinstance(value, list):
                result[_TYPE_WAS_ARRAY] = True
        elif keyword == "@value":
            if isinstance(value, dict | list):
                raise CanonicalizationError('"@value" must be a scalar')
            result["@value"] = value
        else:
            raise Unsupported(keyword)

    def value(self, active: Any, active_property: str | None, value: Any) -> Any:
        # JSON-LD 1.1 §5.3.2 Value Expansion.
        info = self.term(active, active_property)
        type_ = info.type
        if type_ == "@id" and isinstance(value, str):
            return {"@id": self.processor._expand_iri(active, value, base=None)}
        if type_ == "@vocab" and isinstance(value, str):
            return {
                "@id": self.processor._expand_iri(active, value, base=None, vocab=True)
            }
        result: dict[str, Any] = {}
        if type_ is not None and type_ not in ("@id", "@vocab", "@none"):
            result["@type"] = type_
        elif isinstance(value, str) and info.tagged:  # pragma: no cover - not pinned
            raise Unsupported("language-tagged strings")
        result["@value"] = value
        return result

    # --- RDF (JSON-LD 1.1 §8.6, pyld's node map + _graph_to_rdf) -------------

    def blank(self, label: str | None = None) -> str:
        if label is not None:
            known = self.blank_nodes.get(label)
            if known is not None:
                return known
        self.counter += 1
        term = f"_:n{self.counter}"
        if label is not None:
            self.blank_nodes[label] = term
        return term

    def subject_term(self, identifier: str | None) -> str:
        if identifier is None:
            return self.blank()
        if identifier.startswith("_:"):
            blank_term(identifier)  # validates the label
            return self.blank(identifier)
        return iri_term(identifier)

    def emit_node(self, node: dict[str, Any]) -> str:
        subject = self.subject_term(node.get("@id"))
        for key, values in node.items():
            if key == "@id":
                continue
            if key == "@type":
                for type_ in values:
                    self.quads.append((subject, RDF_TYPE, self.subject_term(type_), ""))
                continue
            if key.startswith("@"):  # pragma: no cover - expansion keeps none
                raise Unsupported(key)
            predicate = iri_term(key)
            for item in values:
                self.quads.append((subject, predicate, self.emit_object(item), ""))
        return subject

    def emit_object(self, item: dict[str, Any]) -> str:
        if "@value" in item:
            return _literal(item)
        if "@list" in item:
            return self.emit_list(item["@list"])
        return self.emit_node(item)

    def emit_list(self, items: list[Any]) -> str:
        if not items:
            return RDF_NIL
        head = self.blank()
        subject = head
        for index, item in enumerate(items):
            self.quads.append((subject, RDF_FIRST, self.emit_object(item), ""))
            rest = RDF_NIL if index == len(items) - 1 else self.blank()
            self.quads.append((subject, RDF_REST, rest, ""))
            subject = rest
        return head


def _is_list(value: Any) -> bool:
    return isinstance(value, dict) and "@list" in value


def _finish(
    result: dict[str, Any], active_property: str | None, inside_list: bool
) -> Any:
    # The checks and clean-up at the end of pyld's _expand for one object.
    type_was_array = result.pop(_TYPE_WAS_ARRAY, False)
    if "@value" in result:
        if type_was_array:
            raise CanonicalizationError(
                'an element containing "@value" must have a string "@type"'
            )
        extra = set(result) - {"@value", "@type"}
        if extra:
            raise CanonicalizationError(
                f"a value object may not have {sorted(extra)} (invalid value object)"
            )
        if "@type" in result:
            types = result["@type"]
            if len(types) != 1:
                raise CanonicalizationError("a value object has one @type")
            type_ = types[0]
            if (
                not isinstance(type_, str)
                or not _is_absolute_iri(type_)
                or (type_.startswith("_:"))
            ):
                raise CanonicalizationError(
                    'an element containing "@value" and "@type" must have an '
                    'absolute IRI for the value of "@type"'
                )
            result["@type"] = type_
    count = len(result)
    if (
        not inside_list
        and active_property is None
        and (count == 0 or "@value" in result or (count == 1 and "@id" in result))
    ):
        return None
    return result


def _literal(item: dict[str, Any]) -> str:
    # pyld's _object_to_rdf for value objects without @language or @json.
    value = item["@value"]
    datatype = item.get("@type")
    if isinstance(value, bool):
        return literal_term("true" if value else "false", datatype or XSD_BOOLEAN)
    if isinstance(value, float) and not value.is_integer():
        return literal_term(_canonicalize_double(value), datatype or XSD_DOUBLE)
    if datatype == XSD_DOUBLE:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return literal_term(str(value), XSD_DOUBLE)
        return literal_term(_canonicalize_double(number), XSD_DOUBLE)
    if isinstance(value, int) and abs(value) >= 10**21:
        return literal_term(_canonicalize_double(value), datatype or XSD_DOUBLE)
    if isinstance(value, int):
        return literal_term(str(value), datatype or XSD_INTEGER)
    if isinstance(value, float):  # pragma: no cover - integral floats are ints here
        raise Unsupported("integral floats")
    return literal_term(value, datatype)


def document_quads(
    document: Mapping[str, Any],
    processor: JsonLdProcessor,
    options: dict[str, Any],
    check: Callable[[list[Any]], None],
) -> list[Quad]:
    """Expand ``document``, pass the expanded form to ``check``, return its quads.

    ``check`` applies the safe-mode rules on the expanded form (absolute IRIs)
    before anything is converted. Raises Unsupported when the document needs
    pyld's full algorithm, and UndefinedTermError or CanonicalizationError as
    safe mode requires.
    """
    expander = _Expander(processor, options)
    # Only node objects come out: @graph and @list keys are left to pyld, and
    # a top-level value object is dropped, as pyld drops it.
    expanded = expander.expand_document(document)
    check(expanded)
    for node in expanded:
        expander.emit_node(node)
    return expander.quads

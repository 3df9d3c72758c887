"""JSON-LD to RDF quads in one pass, over plans compiled per context and node shape.

badges.expansion expands a document on the pinned contexts, checks the expanded
form, then converts it to quads: three walks and a tree of intermediate dicts.
For the common case (nearly every credential, status list and proof
configuration) this module does all three in one walk over the document's
values. What a node's keys mean (context reverts, property- and type-scoped
contexts, what each key expands to, how its values are coerced) depends only on
the active context and the node's shape, so it is worked out once by
badges.expansion's own functions and remembered: a plan per (context, active
property, keys, @context) and per (that, types).

Anything outside the common case raises Bail: a value or key prepare_document
would refuse, a bound of ``limits`` reached, an IRI that is not absolute, a
value object, a nested array, or any error at all. The caller then redoes the
document on the exact path (prepare_document, badges.expansion, pyld), which
gives the same answer or the same error as before this module existed. So Bail
is always safe; what must hold is that a walk that completes yields the quads
the exact path would. The differential tests check that on a generated corpus.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from pyld.jsonld import JsonLdProcessor

from badges.expansion import (
    RDF_FIRST,
    RDF_NIL,
    RDF_REST,
    RDF_TYPE,
    XSD_DOUBLE,
    literal_of,
)
from badges.expansion import _Expander as Expander
from badges.limits import Limits
from badges.rdfc import (
    XSD_STRING,
    Quad,
    blank_term,
    escape_literal,
    is_absolute_iri,
)

# Bounds on what is remembered, over all contexts: past them, plans are still
# built (and the walk still works) but not kept, so that hostile documents
# (endless combinations of keys, types and identifiers) cannot grow memory.
_MAX_CONTEXTS = 4096
_MAX_PLANS = 16_384  # node shapes and node plans
_MAX_IRIS = 65_536

# How a property's scalar values are turned into RDF terms (JSON-LD 1.1 §5.3.2).
_PLAIN = 0  # a literal without datatype (xsd:string, or the native type's)
_TYPED = 1  # a literal with the term's @type as datatype
_ID = 2  # an IRI expanded against the document (@type: @id)
_VOCAB = 3  # an IRI expanded against the vocabulary (@type: @vocab)

_KEYWORD_KEYS = frozenset({"@context", "@id", "@type"})


class Bail(Exception):  # noqa: N818 - a signal to take the exact path, not an error
    """The document is outside the common case: redo it on the exact path."""


class _ContextPlans:
    """What is remembered about one active context: node plans and expanded IRIs."""

    __slots__ = ("active", "iris", "shapes", "vocab_iris")

    def __init__(self, active: Any) -> None:
        self.active = active
        self.shapes: dict[tuple[Any, ...], _Shape] = {}
        # Value -> N-Quads term ("<iri>", or the "_:label" still to be mapped).
        self.iris: dict[str, str] = {}
        self.vocab_iris: dict[str, str] = {}


_lock = threading.Lock()
_CONTEXTS: dict[int, _ContextPlans] = {}
_remembered = {"plans": 0, "iris": 0}


def _room_for(kind: str, bound: int) -> bool:
    # Counted under the lock; a race may store a plan twice, never unboundedly.
    with _lock:
        if _remembered[kind] >= bound:
            return False
        _remembered[kind] += 1
        return True


def _plans_of(active: Any) -> _ContextPlans:
    plans = _CONTEXTS.get(id(active))
    if plans is not None and plans.active is active:
        return plans
    plans = _ContextPlans(active)
    with _lock:
        if len(_CONTEXTS) < _MAX_CONTEXTS:
            # Keeps ``active`` alive, so its id() cannot be reused by another.
            _CONTEXTS[id(active)] = plans
    return plans


class _Property:
    """How one key of a node shape is expanded and emitted."""

    __slots__ = ("coercion", "datatype", "key", "plans", "predicate", "suffix", "wrap")

    def __init__(
        self,
        key: str,
        predicate: str,
        plans: _ContextPlans,
        *,
        wrap: bool,
        coercion: int,
        datatype: str | None,
    ) -> None:
        self.key = key
        self.predicate = predicate
        self.plans = plans  # the context the value is expanded in
        self.wrap = wrap  # the term is an @list container
        self.coercion = coercion
        self.datatype = datatype
        # What follows the quoted lexical form of a string value.
        self.suffix = "" if datatype in (None, XSD_STRING) else f"^^<{datatype}>"


class _NodePlan:
    """A node's final context and what each of its keys does."""

    __slots__ = ("id_key", "plans", "properties", "type_keys", "type_plans")

    def __init__(
        self,
        plans: _ContextPlans,
        type_plans: _ContextPlans,
        id_key: str | None,
        type_keys: tuple[str, ...],
        properties: tuple[_Property, ...],
    ) -> None:
        self.plans = plans
        self.type_plans = type_plans  # types expand in the type-scoped context
        self.id_key = id_key
        self.type_keys = type_keys
        self.properties = properties


class _Shape:
    """A node shape's context before its types, and its plans by type values."""

    __slots__ = ("active", "by_types", "scoping_type_keys")

    def __init__(self, active: Any, scoping_type_keys: tuple[str, ...]) -> None:
        self.active = active
        self.scoping_type_keys = scoping_type_keys
        self.by_types: dict[Any, _NodePlan] = {}


def _build_shape(
    expander: Expander,
    active: Any,
    active_property: str | None,
    element: dict[str, Any],
) -> _Shape:
    # _Expander.node up to the type-scoped contexts (its ``type_scoped``
    # argument is always None there: no caller passes one).
    for key in element:
        if type(key) is not str:
            raise Bail("a key that is not a string")
        if key.startswith("@") and key not in _KEYWORD_KEYS:
            raise Bail(f"the keyword {key}")
    property_scoped = expander.term(active, active_property).scoped_context
    type_scoped = active if active.get("previousContext") else None
    must_revert = True
    if type_scoped and len(element) <= 2 and "@context" not in element:
        for key in sorted(element):
            expanded_key = expander.expand_iri(type_scoped, key, vocab=True)
            if expanded_key == "@value":  # pragma: no cover - no pinned alias
                raise Bail("a value object")
            if expanded_key == "@id" and len(element) == 1:
                must_revert = False
                break
    if must_revert:
        active = active.get("previousContext", active)
    if property_scoped is not None:
        active = expander.apply(active, property_scoped, override_protected=True)
    if "@context" in element:
        active = expander.apply(active, element["@context"], from_document=True)
    type_keys = tuple(
        key
        for key in sorted(element)
        if expander.expand_iri(active, key, vocab=True) == "@type"
    )
    return _Shape(active, type_keys)


def _build_plan(
    expander: Expander, shape: _Shape, element: dict[str, Any]
) -> _NodePlan:
    # The rest of _Expander.node (type-scoped contexts), then what
    # _Expander.properties, keyword, value and _check_expanded do per key.
    type_scoped = shape.active
    active = type_scoped
    for key in shape.scoping_type_keys:
        types = element[key] if isinstance(element[key], list) else [element[key]]
        if not all(type(t) is str for t in types):
            raise Bail("a type that is not a string")
        for type_ in sorted(types):
            scoped = expander.term(type_scoped, type_).scoped_context
            if scoped is not None and scoped is not False:
                active = expander.apply(active, scoped, propagate=False)
    id_key: str | None = None
    type_keys: list[str] = []
    properties: list[_Property] = []
    for key in sorted(element):
        if key == "@context":
            continue
        expanded_key = expander.expand_iri(active, key, vocab=True)
        if expanded_key == "@id":
            if id_key is not None:
                raise Bail("colliding @id keys")
            id_key = key
        elif expanded_key == "@type":
            type_keys.append(key)
        elif (
            not isinstance(expanded_key, str)
            or expanded_key.startswith(("@", "_:"))
            or not is_absolute_iri(expanded_key)
        ):
            raise Bail(f"the key {key!r}")
        else:
            properties.append(_property_plan(expander, active, key, expanded_key))
    return _NodePlan(
        _plans_of(active),
        _plans_of(type_scoped),
        id_key,
        tuple(type_keys),
        tuple(properties),
    )


def _property_plan(
    expander: Expander, active: Any, key: str, expanded_key: str
) -> _Property:
    info = expander.term(active, key)
    term_active = active
    if info.scoped_context is not None:
        term_active = expander.apply(
            active, info.scoped_context, override_protected=True
        )
    value_info = expander.term(term_active, key)
    type_ = value_info.type
    datatype: str | None = None
    if type_ == "@id":
        coercion = _ID
    elif type_ == "@vocab":
        coercion = _VOCAB
    elif type_ is None or type_ == "@none":
        coercion = _PLAIN
    else:
        coercion, datatype = _TYPED, type_
    if (
        info.containers - {"@set", "@list"}
        or info.type == "@json"
        or value_info.reverse
        # Language-tagged strings and xsd:double strings (converted by
        # literal_of) are left to the exact path; no pinned term has them.
        or value_info.tagged
        or (datatype is not None and not _plain_datatype(datatype))
    ):
        raise Bail(f"the term {key!r} has features the walk leaves aside")
    return _Property(
        key,
        f"<{expanded_key}>",
        _plans_of(term_active),
        wrap="@list" in info.containers,
        coercion=coercion,
        datatype=datatype,
    )


def _plain_datatype(datatype: Any) -> bool:
    # A datatype whose string values are written as they are: an absolute IRI
    # (as the safe-mode check wants) other than xsd:double.
    return (
        isinstance(datatype, str)
        and datatype != XSD_DOUBLE
        and is_absolute_iri(datatype)
    )


class _Walk:
    """One document's walk: its quads, blank nodes and the bounds it is held to."""

    __slots__ = (
        "blank_nodes",
        "count",
        "counter",
        "expander",
        "max_depth",
        "max_values",
        "options",
        "processor",
        "quads",
    )

    def __init__(
        self, processor: JsonLdProcessor, options: dict[str, Any], limits: Limits
    ) -> None:
        self.processor = processor
        self.options = options
        self.expander: Expander | None = None
        self.quads: list[Quad] = []
        self.blank_nodes: dict[str, str] = {}
        self.counter = 0
        self.count = 1  # the document itself, as check_json_shape counts
        self.max_depth = limits.max_depth
        self.max_values = limits.max_json_values

    def plan_builder(self) -> Expander:
        if self.expander is None:
            self.expander = Expander(self.processor, self.options)
        return self.expander

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

    def iri(self, plans: _ContextPlans, value: Any, *, vocab: bool) -> str:
        if type(value) is not str:
            raise Bail("an identifier that is not a string")
        table = plans.vocab_iris if vocab else plans.iris
        term = table.get(value)
        if term is None:
            expanded = self.processor._expand_iri(
                plans.active, value, base=None, vocab=vocab
            )
            if not isinstance(expanded, str):
                raise Bail(f"{value!r} does not expand to an IRI")
            if expanded.startswith("_:"):
                term = blank_term(expanded)
            elif is_absolute_iri(expanded):
                term = f"<{expanded}>"
            else:
                raise Bail(f"{value!r} is not an absolute IRI")
            if _room_for("iris", _MAX_IRIS):
                table[value] = term
        if term[0] == "_":
            return self.blank(term)
        return term

    def node(
        self,
        plans: _ContextPlans,
        active_property: str | None,
        element: dict[str, Any],
        depth: int,
    ) -> str:
        if not element:
            return self.blank()
        self.count += len(element)
        if self.count > self.max_values or depth >= self.max_depth:
            raise Bail("a bound of the limits")
        context = element.get("@context")
        shape_key = (
            active_property,
            tuple(element),
            context if type(context) is not list else tuple(context),
        )
        shape = plans.shapes.get(shape_key)
        if shape is None:
            shape = _build_shape(
                self.plan_builder(), plans.active, active_property, element
            )
            if _room_for("plans", _MAX_PLANS):
                plans.shapes[shape_key] = shape
        if type(context) is list and context:
            self.count += len(context)
            if depth + 1 >= self.max_depth:
                raise Bail("a bound of the limits")
        scoping = shape.scoping_type_keys
        if not scoping:
            types_key: Any = None
        elif len(scoping) == 1:
            types_key = element[scoping[0]]
            if type(types_key) is list:
                types_key = tuple(types_key)
        else:
            types_key = tuple(
                tuple(v) if type(v) is list else v
                for v in (element[key] for key in scoping)
            )
        plan = shape.by_types.get(types_key)
        if plan is None:
            plan = _build_plan(self.plan_builder(), shape, element)
            if _room_for("plans", _MAX_PLANS):
                shape.by_types[types_key] = plan
        if plan.id_key is not None:
            subject = self.iri(plan.plans, element[plan.id_key], vocab=False)
        else:
            subject = self.blank()
        quads = self.quads
        for key in plan.type_keys:
            types = element[key]
            if type(types) is list:
                self.count += len(types)
                if types and depth + 1 >= self.max_depth:
                    raise Bail("a bound of the limits")
                for type_ in types:
                    obj = self.iri(plan.type_plans, type_, vocab=True)
                    quads.append((subject, RDF_TYPE, obj, ""))
            else:
                obj = self.iri(plan.type_plans, types, vocab=True)
                quads.append((subject, RDF_TYPE, obj, ""))
        for prop in plan.properties:
            value = element[prop.key]
            if type(value) is list:
                self.count += len(value)
                if value and depth + 1 >= self.max_depth:
                    raise Bail("a bound of the limits")
                objects = [self.item(prop, item, depth + 2) for item in value]
                if prop.wrap:
                    quads.append((subject, prop.predicate, self.list(objects), ""))
                else:
                    for obj in objects:
                        quads.append((subject, prop.predicate, obj, ""))
            else:
                obj = self.item(prop, value, depth + 1)
                if prop.wrap:
                    obj = self.list([obj])
                quads.append((subject, prop.predicate, obj, ""))
        return subject

    def item(self, prop: _Property, value: Any, depth: int) -> str:
        kind = type(value)
        if kind is str:
            coercion = prop.coercion
            if coercion == _ID:
                return self.iri(prop.plans, value, vocab=False)
            if coercion == _VOCAB:
                return self.iri(prop.plans, value, vocab=True)
            return f'"{escape_literal(value)}"{prop.suffix}'
        if kind is dict:
            return self.node(prop.plans, prop.key, value, depth)
        if kind is float:
            if not math.isfinite(value):
                raise Bail("NaN or Infinity")
            if value.is_integer() and abs(value) < 1e21:
                value = int(value)  # as prepare_document does
        elif kind is not int and kind is not bool:
            raise Bail(f"a {kind.__name__} value")
        return literal_of(value, prop.datatype if prop.coercion == _TYPED else None)

    def list(self, objects: list[str]) -> str:
        if not objects:
            return RDF_NIL
        head = subject = self.blank()
        for index, obj in enumerate(objects):
            self.quads.append((subject, RDF_FIRST, obj, ""))
            rest = RDF_NIL if index == len(objects) - 1 else self.blank()
            self.quads.append((subject, RDF_REST, rest, ""))
            subject = rest
        return head


def compiled_quads(
    document: Any,
    processor: JsonLdProcessor,
    options: dict[str, Any],
    limits: Limits,
) -> list[Quad]:
    """Return the RDF quads of ``document`` in one walk, or raise Bail.

    The quads are those of prepare_document, badges.expansion.document_quads
    and the safe-mode checks together, up to blank-node labels (which RDFC-1.0
    replaces). Raises Bail for anything else, including every input those
    would refuse: the caller then takes the exact path.
    """
    if type(document) is not dict:
        raise Bail("the document is not a dict")
    walk = _Walk(processor, options, limits)
    try:
        walk.node(_plans_of(processor._get_initial_context(options)), None, document, 1)
    except Bail:
        raise
    except Exception as exc:  # any error is reported by the exact path
        raise Bail(str(exc)) from exc
    if walk.count > walk.max_values:
        raise Bail("a bound of the limits")
    return walk.quads

"""RDFC-1.0 (W3C RDF Dataset Canonicalization) of a list of quads, under a work budget.

Terms are carried already serialized as canonical N-Quads terms: ``<iri>``,
``_:label`` or a literal ``"..."`` with its suffix; the graph is ``""`` for the
default graph. Only blank-node labels change during canonicalization, so every
other term is serialized exactly once.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence

from badges.errors import CanonicalizationError, InputLimitError
from badges.limits import DEFAULT_LIMITS, Limits, WorkBudget

Quad = tuple[str, str, str, str]
"""Subject, predicate, object, graph (``""`` = default graph), each serialized."""

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Canonical N-Quads (RDF 1.2 N-Quads canonical form, which RDFC-1.0 uses): ECHAR
# for the seven characters that have one, UCHAR (upper-case hex) for other controls.
_LITERAL_ESCAPES = {code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F)}
_LITERAL_ESCAPES.update(
    {
        0x08: "\\b",
        0x09: "\\t",
        0x0A: "\\n",
        0x0C: "\\f",
        0x0D: "\\r",
        0x22: '\\"',
        0x5C: "\\\\",
    }
)
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')
# Characters N-Quads IRIREF cannot hold; an IRI carrying one is refused rather
# than escaped, since such an IRI is invalid and would otherwise risk changing
# the structure of the serialized quads.
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_BLANK_LABEL = re.compile(r"[A-Za-z0-9_\-.]+")


def escape_literal(value: str) -> str:
    """Escape a lexical form for canonical N-Quads (the form RDFC-1.0 serializes)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_LITERAL_ESCAPES)


def is_absolute_iri(value: str) -> bool:
    """Tell whether ``value`` is an absolute IRI that N-Quads can carry unescaped."""
    return _IRI_SCHEME.match(value) is not None and not _BAD_IRI_CHARS.search(value)


def iri_term(value: str) -> str:
    """Serialize an absolute IRI as an N-Quads term.

    Raises CanonicalizationError when ``value`` is not an absolute IRI.
    """
    if not is_absolute_iri(value):
        raise CanonicalizationError(f"{value!r} is not an absolute IRI")
    return f"<{value}>"


def blank_term(label: str) -> str:
    """Serialize a blank node label (with or without ``_:``) as an N-Quads term.

    Raises CanonicalizationError when the label has characters N-Quads forbids.
    """
    bare = label[2:] if label.startswith("_:") else label
    if not _BLANK_LABEL.fullmatch(bare):
        raise CanonicalizationError(f"blank node label {label!r} is malformed")
    return f"_:{bare}"


def literal_term(
    value: str, datatype: str | None = None, language: str | None = None
) -> str:
    """Serialize a literal as a canonical N-Quads term.

    Raises CanonicalizationError for a malformed language tag or datatype IRI.
    """
    lexical = f'"{escape_literal(value)}"'
    if language is not None:
        if not _LANGUAGE_TAG.fullmatch(language):
            raise CanonicalizationError(f"language tag {language!r} is malformed")
        return f"{lexical}@{language}"
    if datatype is None or datatype == XSD_STRING:
        return lexical
    return f"{lexical}^^{iri_term(datatype)}"


def serialize_quad(quad: Quad) -> str:
    """Serialize one quad as a canonical N-Quads line, newline included."""
    subject, predicate, obj, graph = quad
    if graph:
        return f"{subject} {predicate} {obj} {graph} .\n"
    return f"{subject} {predicate} {obj} .\n"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _IdentifierIssuer:
    """RDFC-1.0 §4.5 Issue Identifier: labels handed out in order, with a prefix."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        label = self.issued.get(existing)
        if label is None:
            label = f"{self.prefix}{self.counter}"
            self.counter += 1
            self.issued[existing] = label
        return label

    def copy(self) -> _IdentifierIssuer:
        clone = _IdentifierIssuer(self.prefix)
        clone.counter = self.counter
        clone.issued = dict(self.issued)
        return clone


class _Canonicalizer:
    """State of RDFC-1.0 §4.4 for one dataset."""

    def __init__(self, quads: Sequence[Quad], budget: WorkBudget) -> None:
        self.quads = quads
        self.budget = budget
        self.canonical = _IdentifierIssuer("c14n")
        self.quads_of: dict[str, list[Quad]] = {}
        self.first_degree: dict[str, str] = {}

    def run(self) -> str:
        # Quads without blank nodes keep their terms: serialize them once.
        lines: list[str] = []
        blank_quads: list[Quad] = []
        quads_of = self.quads_of
        for quad in self.quads:
            subject, _, obj, graph = quad
            mentioned = False
            for term in (subject, obj, graph):
                if term[:2] == "_:":
                    mentioned = True
                    mentions = quads_of.setdefault(term, [])
                    if not mentions or mentions[-1] is not quad:
                        mentions.append(quad)
            if mentioned:
                blank_quads.append(quad)
            else:
                lines.append(serialize_quad(quad))
        if len(quads_of) > self.budget.limits.max_blank_nodes:
            raise InputLimitError(
                f"the document has {len(quads_of)} blank nodes, more than "
                f"the {self.budget.limits.max_blank_nodes} allowed"
            )
        if len(quads_of) == 1:
            # One blank node: its first-degree hash is unique, so it is c14n0
            # whatever the hash (§4.4.3 step 5).
            self.canonical.issue(next(iter(quads_of)))
        else:
            self._issue_labels()
        # §4.4.3 step 7: relabel and serialize, sorted in code point order.
        issued = self.canonical.issued
        for subject, predicate, obj, graph in blank_quads:
            if subject[:2] == "_:":
                subject = f"_:{issued[subject]}"
            if obj[:2] == "_:":
                obj = f"_:{issued[obj]}"
            if graph[:2] == "_:":
                graph = f"_:{issued[graph]}"
            lines.append(serialize_quad((subject, predicate, obj, graph)))
        return "".join(sorted(set(lines)))

    def _issue_labels(self) -> None:
        # §4.4.3 step 5: first-degree hashes. (The spec's "simple" loop runs once:
        # first-degree hashes never change, as every implementation does.)
        hash_to_nodes: dict[str, list[str]] = {}
        for node in self.quads_of:
            digest = self._hash_first_degree(node)
            hash_to_nodes.setdefault(digest, []).append(node)
        non_unique: list[list[str]] = []
        for digest in sorted(hash_to_nodes):
            nodes = hash_to_nodes[digest]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                non_unique.append(nodes)
        # §4.4.3 step 6: N-degree hashes for blank nodes sharing a first hash.
        for nodes in non_unique:
            hash_paths: list[tuple[str, _IdentifierIssuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _IdentifierIssuer("b")
                temporary.issue(node)
                hash_paths.append(self._hash_n_degree(node, temporary))
            for _digest, issuer in sorted(hash_paths, key=lambda item: item[0]):
                for existing in issuer.issued:
                    self.canonical.issue(existing)

    def _hash_first_degree(self, node: str) -> str:
        # RDFC-1.0 §4.6: the reference node becomes _:a, every other _:z.
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for subject, predicate, obj, graph in self.quads_of[node]:
            if subject[:2] == "_:":
                subject = "_:a" if subject == node else "_:z"
            if obj[:2] == "_:":
                obj = "_:a" if obj == node else "_:z"
            if graph[:2] == "_:":
                graph = "_:a" if graph == node else "_:z"
            lines.append(serialize_quad((subject, predicate, obj, graph)))
        lines.sort()
        digest = _sha256("".join(lines))
        self.first_degree[node] = digest
        return digest

    def _hash_related(
        self, related: str, quad: Quad, issuer: _IdentifierIssuer, position: str
    ) -> str:
        # RDFC-1.0 §4.7 Hash Related Blank Node.
        data = position if position == "g" else f"{position}{quad[1]}"
        if related in self.canonical.issued:
            data += f"_:{self.canonical.issued[related]}"
        elif related in issuer.issued:
            data += f"_:{issuer.issued[related]}"
        else:
            data += self._hash_first_degree(related)
        return _sha256(data)

    def _hash_n_degree(
        self, node: str, issuer: _IdentifierIssuer
    ) -> tuple[str, _IdentifierIssuer]:
        # RDFC-1.0 §4.8 Hash N-Degree Quads, with every call and permutation
        # counted against the budget (the algorithm is exponential otherwise).
        self.budget.spend_deep_iteration()
        hash_to_related: dict[str, list[str]] = {}
        for quad in self.quads_of[node]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term.startswith("_:") and term != node:
                    digest = self._hash_related(term, quad, issuer, position)
                    hash_to_related.setdefault(digest, []).append(term)
        data = ""
        for related_hash in sorted(hash_to_related):
            data += related_hash
            chosen_path = ""
            chosen_issuer: _IdentifierIssuer | None = None
            for permutation in itertools.permutations(hash_to_related[related_hash]):
                self.budget.spend_permutation()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in self.canonical.issued:
                        path += f"_:{self.canonical.issued[related]}"
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += f"_:{issuer_copy.issue(related)}"
                    if _worse(path, chosen_path):
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    digest, issuer_copy = self._hash_n_degree(related, issuer_copy)
                    path += f"_:{issuer_copy.issue(related)}<{digest}>"
                    if _worse(path, chosen_path):
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data += chosen_path
            if chosen_issuer is None:  # pragma: no cover - the first path is kept
                raise CanonicalizationError("no blank-node path was chosen")
            issuer = chosen_issuer
        return _sha256(data), issuer


def _worse(path: str, chosen_path: str) -> bool:
    # §4.8.3 steps 5.4.4.3 and 5.4.5.5: a path longer-or-equal and greater than
    # the chosen one can never win, so the permutation is abandoned.
    return bool(chosen_path) and len(path) >= len(chosen_path) and path > chosen_path


def canonicalize_quads(quads: Iterable[Quad], limits: Limits = DEFAULT_LIMITS) -> str:
    """Return the canonical N-Quads document of ``quads`` (W3C RDFC-1.0 with SHA-256).

    Duplicate quads are merged (an RDF dataset is a set). Raises InputLimitError
    when the dataset has too many quads or blank nodes, or when the work or time
    budget of ``limits`` is spent (poison graphs).
    """
    unique = list(dict.fromkeys(quads))
    if len(unique) > limits.max_quads:
        raise InputLimitError(
            f"the document yields {len(unique)} quads, more than the "
            f"{limits.max_quads} allowed"
        )
    return _Canonicalizer(unique, WorkBudget(limits)).run()

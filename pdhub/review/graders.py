"""Automatic screening of submitted evidence: a registry of small checks.

Each check looks at one submitted version and yields Findings. A finding with
``to_coach=False`` is a reason the evidence is incomplete: the teacher gets it back
("returned as incomplete") without using coach time. A finding with ``to_coach=True``
is a flag for the coach (a near-copy of another teacher's evidence) and never blocks.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pdhub.learning.models import Module
from pdhub.learning.texts import _l, gettext
from pdhub.submissions.models import Artifact, SubmissionVersion
from pdhub.submissions.service import word_count
from pdhub.submissions.storage import TYPES_IN_WORDS, sniff_media_type

SHINGLE_WORDS = 5
SIMILARITY_THRESHOLD = 0.8
#: The similarity check compares against this many recent versions of the same module
#: by other teachers, so screening costs the same on day 1 and day 1,000.
SIMILARITY_RECENT = 50
SKETCH_SIZE = 64


@dataclass(frozen=True)
class Text:
    """A message kept as its English template and values, so it is stored in English
    (screening runs in a background job) and shown in each reader's language."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    #: The plural template, chosen when ``values["num"]`` is not 1.
    plural: str | None = None
    #: Values that are messages themselves (translated too when shown).
    messages: tuple[str, ...] = ()

    def english(self) -> str:
        values = dict(self.values)
        if self.plural is not None and values.get("num") != 1:
            return self.plural % values
        return self.template % values

    def as_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "plural": self.plural,
            "values": self.values,
            "messages": list(self.messages),
        }

    def translated(self) -> str:
        """The message in the current reader's language."""
        return shown({"text": self.as_json(), "message": self.english()})


def shown(finding: dict[str, Any]) -> str:
    """A stored finding (``Finding.as_json``) in the reader's language; findings
    stored before their text was kept show their English message."""
    text = finding.get("text")
    if not isinstance(text, dict) or not isinstance(text.get("template"), str):
        return str(finding.get("message", ""))
    values = dict(text.get("values") or {})
    for key in text.get("messages") or []:
        if isinstance(values.get(key), str):
            values[key] = gettext(values[key])
    template = text["template"]
    if isinstance(text.get("plural"), str) and values.get("num") != 1:
        # Each form is its own message (marked with _l): Spanish, like English,
        # has one form for 1 and another for every other number.
        template = text["plural"]
    try:
        return gettext(template, **values)
    except (KeyError, TypeError, ValueError):
        return str(finding.get("message", ""))


@dataclass(frozen=True)
class Finding:
    code: str
    text: Text
    to_coach: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """In English, as stored (the teacher and the coach see :func:`shown`)."""
        return self.text.english()

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            **self.detail,
            "text": self.text.as_json(),
        }


@dataclass
class ScreeningInput:
    """What a check may look at; ``read`` returns a file's bytes or raises."""

    version: SubmissionVersion
    module: Module
    artifacts: Sequence[Artifact]
    read: Callable[[Artifact], bytes]
    # (submission id, sketch) of other teachers' recent screened versions.
    others: Callable[[], Sequence[tuple[int, Sequence[int]]]]

    @functools.cached_property
    def sketch(self) -> list[int]:
        return sketch(evidence_text(self.version))


@dataclass(frozen=True)
class ScreeningResult:
    reasons: list[Finding]
    flags: list[Finding]

    @property
    def complete(self) -> bool:
        return not self.reasons

    def as_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "reasons": [f.as_json() for f in self.reasons],
            "flags": [f.as_json() for f in self.flags],
        }


Check = Callable[[ScreeningInput], Iterable[Finding]]
CHECKS: list[Check] = []


def check(function: Check) -> Check:
    """Register ``function`` as a screening check (run in registration order)."""
    CHECKS.append(function)
    return function


def screen(data: ScreeningInput) -> ScreeningResult:
    """Run every registered check over one version."""
    reasons: list[Finding] = []
    flags: list[Finding] = []
    for run in CHECKS:
        for finding in run(data):
            (flags if finding.to_coach else reasons).append(finding)
    return ScreeningResult(reasons, flags)


def _part(module: Module, name: str) -> dict[str, Any]:
    part = module.evidence[name]
    if not isinstance(part, dict):
        raise TypeError(
            f"module {module.slug} v{module.version}: evidence.{name} is not a mapping"
        )
    return part


@check
def parts_present(data: ScreeningInput) -> Iterator[Finding]:
    """All three parts: the context, at least one file or link, the reflection."""
    version = data.version
    if not version.context_text.strip():
        yield Finding(
            "context-missing",
            Text(
                _l(
                    "The context is empty. Describe your class and what you set out "
                    "to do."
                )
            ),
        )
    if not data.artifacts and not version.links:
        yield Finding(
            "artifacts-missing",
            Text(
                _l(
                    "There are no files or links. Add the artifacts that show your "
                    "practice."
                )
            ),
        )
    if not version.reflection_text.strip():
        yield Finding(
            "reflection-missing",
            Text(
                _l(
                    "The reflection is empty. Write what you "
                    "learned and what changed for your students."
                )
            ),
        )


@check
def minimum_lengths(data: ScreeningInput) -> Iterator[Finding]:
    """Each written part has the module's minimum words; enough files and links."""
    version, module = data.version, data.module
    too_short = {
        # "%(num)d word(s)": how many the teacher wrote.
        "context": (
            _l(
                "The context has %(num)d word; this module asks for at least "
                "%(needed)d."
            ),
            _l(
                "The context has %(num)d words; this module asks for at least "
                "%(needed)d."
            ),
        ),
        "reflection": (
            _l(
                "The reflection has %(num)d word; this module asks for at least "
                "%(needed)d."
            ),
            _l(
                "The reflection has %(num)d words; this module asks for at least "
                "%(needed)d."
            ),
        ),
    }
    for name, text in (
        ("context", version.context_text),
        ("reflection", version.reflection_text),
    ):
        needed = int(_part(module, name)["min_words"])
        words = word_count(text)
        if text.strip() and words < needed:
            one, many = too_short[name]
            yield Finding(
                f"{name}-too-short",
                Text(one, {"num": words, "needed": needed}, plural=many),
                detail={"words": words, "needed": needed},
            )
    needed = int(_part(module, "artifacts")["min_items"])
    items = len(data.artifacts) + len(version.links)
    if items and items < needed:
        yield Finding(
            "artifacts-too-few",
            Text(
                _l(
                    "You added %(num)d file or link; this module asks for at least "
                    "%(needed)d."
                ),
                {"num": items, "needed": needed},
                plural=_l(
                    "You added %(num)d files and links; this module asks for at "
                    "least %(needed)d."
                ),
            ),
            detail={"items": items, "needed": needed},
        )


def file_problem(
    filename: str, data: bytes, expected_sha256: str | None = None
) -> str | None:
    """Why a file's bytes can't be accepted as evidence (in English), or None."""
    problem = file_problem_text(filename, data, expected_sha256)
    return problem.english() if problem else None


def file_problem_text(
    filename: str, data: bytes, expected_sha256: str | None = None
) -> Text | None:
    """Why a file's bytes can't be accepted as evidence, or None if they can.

    The type comes from the content, so a renamed program is not a "PDF".
    """
    if (
        expected_sha256 is not None
        and hashlib.sha256(data).hexdigest() != expected_sha256
    ):
        return Text(
            _l("We couldn't read %(name)s as it was uploaded. Please upload it again."),
            {"name": filename},
        )
    if not data:
        return Text(
            _l("%(name)s is empty. Please upload the file again."), {"name": filename}
        )
    if sniff_media_type(data) is None:
        # The same rule as uploads (submissions.storage): one list of types.
        return Text(
            _l("%(name)s is not a type we accept. Use %(types)s."),
            {"name": filename, "types": TYPES_IN_WORDS},
            messages=("types",),
        )
    return None


@check
def files_readable(data: ScreeningInput) -> Iterator[Finding]:
    """Every file opens, matches what was uploaded, and is of an allowed type."""
    for artifact in data.artifacts:
        try:
            content = data.read(artifact)
        except Exception:  # any storage failure means the teacher must upload again
            yield Finding(
                "file-unreadable",
                Text(
                    _l("We couldn't open %(name)s. Please upload it again."),
                    {"name": artifact.filename},
                ),
                detail={"artifact": artifact.id},
            )
            continue
        problem = file_problem_text(artifact.filename, content, artifact.sha256)
        if problem:
            yield Finding(
                "file-not-accepted", problem, detail={"artifact": artifact.id}
            )


def link_problem(url: str) -> str | None:
    """Why ``url`` is not a well-formed web address (in English), or None."""
    problem = link_problem_text(url)
    return problem.english() if problem else None


def link_problem_text(url: str) -> Text | None:
    """Why ``url`` is not a well-formed web address, or None."""
    link = {"link": url if len(url) <= 80 else url[:77] + "..."}
    if len(url) > 2000 or any(c.isspace() for c in url):
        return Text(
            _l(
                "The link %(link)s is not a web address (it has spaces or is too long)."
            ),
            link,
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return Text(_l("The link %(link)s is not a valid web address."), link)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"}:
        return Text(
            _l("The link %(link)s must start with https:// (or http://)."), link
        )
    if "." not in host or host.startswith(".") or host.endswith(".") or port == 0:
        return Text(_l("The link %(link)s has no valid site name."), link)
    if parts.username or parts.password:
        return Text(
            _l("The link %(link)s contains a password. Remove it and share the link."),
            link,
        )
    return None


@check
def links_well_formed(data: ScreeningInput) -> Iterator[Finding]:
    for link in data.version.links:
        url = str(link.get("url", "")) if isinstance(link, dict) else ""
        problem = link_problem_text(url)
        if problem:
            yield Finding("link-malformed", problem, detail={"url": url[:300]})


def _stable_hash(text: str) -> int:
    # Stable across processes (unlike hash()), so sketches can be stored and compared.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[int]:
    """Hashes of the overlapping ``size``-word runs of ``text`` (case and punctuation
    ignored), the usual unit of near-duplicate detection."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {_stable_hash(" ".join(words))} if words else set()
    return {
        _stable_hash(" ".join(words[i : i + size]))
        for i in range(len(words) - size + 1)
    }


def jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def sketch(text: str, k: int = SKETCH_SIZE) -> list[int]:
    """A bottom-k MinHash sketch: the ``k`` smallest shingle hashes. Two sketches
    estimate the Jaccard similarity of the full shingle sets (exactly, for texts of
    fewer than ``k`` shingles) at a fixed cost, so it is stored with each screening."""
    return sorted(shingles(text))[:k]


def sketch_similarity(
    a: Sequence[int], b: Sequence[int], k: int = SKETCH_SIZE
) -> float:
    if not a or not b:
        return 0.0
    mine, theirs = set(a), set(b)
    union = sorted(mine | theirs)[:k]
    both = mine & theirs
    return sum(1 for h in union if h in both) / len(union)


def evidence_text(version: SubmissionVersion) -> str:
    return f"{version.context_text}\n{version.reflection_text}"


@check
def similarity(data: ScreeningInput) -> Iterator[Finding]:
    """Flag for the coach a near-copy of another teacher's evidence for this module."""
    mine = data.sketch
    if len(mine) < 3:
        return
    best: tuple[float, int] | None = None
    for submission_id, theirs in data.others():
        score = sketch_similarity(mine, theirs)
        if score >= SIMILARITY_THRESHOLD and (best is None or score > best[0]):
            best = (score, submission_id)
    if best is not None:
        yield Finding(
            "similar-to-other",
            Text(
                _l(
                    "The written parts are %(percent)d%% the same as another "
                    "teacher's submission for this module."
                ),
                {"percent": round(best[0] * 100)},
            ),
            to_coach=True,
            detail={"similarity": round(best[0], 3), "submission": best[1]},
        )

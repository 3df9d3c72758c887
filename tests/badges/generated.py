"""Hypothesis strategies shared by the differential tests: PD Hub credentials and
mutations of them that reach every corner the fast paths leave to the references."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from badge_samples import VALID_FROM
from hypothesis import strategies as st

from badges.credential import (
    Achievement,
    Alignment,
    Evidence,
    Image,
    IssuerProfile,
    OpenBadgeCredential,
    Recipient,
    Result,
    ResultDescription,
    RubricLevel,
    StatusEntry,
)
from badges.keys import Ed25519KeyPair

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=10
)
URLS = st.sampled_from(
    [f"https://pdhub.example/{kind}/{n}" for kind in ("a", "r", "l") for n in range(3)]
)
KEY = Ed25519KeyPair.from_seed(bytes(range(32)))


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    levels = tuple(
        RubricLevel(id=url, name=draw(TEXT), level=draw(st.one_of(st.none(), TEXT)))
        for url in draw(st.lists(URLS, max_size=3, unique=True))
    )
    criteria = tuple(
        ResultDescription(
            id=f"https://pdhub.example/criteria/{n}",
            name=draw(TEXT),
            levels=levels,
            allowed_values=tuple(draw(st.lists(TEXT, max_size=3))),
        )
        for n in range(draw(st.integers(0, 2)))
    )
    achievement = Achievement(
        id=draw(URLS),
        name=draw(TEXT),
        description=draw(TEXT),
        criteria_narrative=draw(TEXT),
        achievement_type=draw(
            st.sampled_from(["MicroCredential", "Competency", "Badge"])
        ),
        image=draw(
            st.one_of(st.none(), st.builds(Image, URLS, st.one_of(st.none(), TEXT)))
        ),
        alignments=tuple(
            draw(
                st.lists(
                    st.builds(
                        Alignment,
                        TEXT,
                        URLS,
                        target_code=st.one_of(st.none(), TEXT),
                        target_type=st.sampled_from([None, "CFItem", "ext:Local"]),
                    ),
                    max_size=3,
                )
            )
        ),
        credits_available=draw(
            st.one_of(st.none(), st.integers(0, 50), st.floats(0, 50, allow_nan=False))
        ),
        result_descriptions=criteria,
    )
    return OpenBadgeCredential(
        issuer=IssuerProfile(
            KEY.did_key, draw(TEXT), draw(URLS), email=draw(st.one_of(st.none(), TEXT))
        ),
        achievement=achievement,
        recipient=Recipient.from_email("t@school.example", salt=draw(TEXT)),
        valid_from=VALID_FROM,
        valid_until=draw(st.one_of(st.none(), st.just(VALID_FROM + timedelta(days=9)))),
        awarded_date=draw(st.one_of(st.none(), st.just(VALID_FROM))),
        subject_id=draw(st.one_of(st.none(), st.just("did:example:teacher"))),
        results=tuple(Result(c.id, c.levels[0].id) for c in criteria if c.levels),
        credits_earned=draw(st.one_of(st.none(), st.floats(0, 50, allow_nan=False))),
        evidence=tuple(
            draw(
                st.lists(
                    st.builds(
                        Evidence,
                        TEXT,
                        id=st.one_of(st.none(), URLS),
                        narrative=st.one_of(st.none(), TEXT),
                    ),
                    max_size=3,
                )
            )
        ),
        status=draw(
            st.one_of(
                st.none(),
                st.builds(
                    StatusEntry,
                    URLS,
                    st.integers(0, 131071),
                    st.sampled_from(["revocation", "suspension"]),
                ),
            )
        ),
        include_schema=draw(st.booleans()),
    ).to_json()


# Values and keys that mutations put anywhere in a document: what safe-mode
# canonicalization refuses or leaves to pyld (null, keywords, relative IRIs,
# value objects, inline contexts, nested arrays, odd numbers and types), and
# what the strict schema cares about (dates, patterns, enums, types).
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -7,
    3.0,
    2.5,
    1e22,
    10**22,
    float("nan"),
    float("inf"),
    "",
    'x\n"y\\',
    "relative/path",
    "https://example.org/x",
    "_:b1",
    "_:bad label",
    "did:example:123",
    "urn:uuid:6f1e1c8e-9b0e-4d0b-8f57-0a2a4e1d9c11",
    "2026-11-25T12:00:00Z",
    "2026-11-25T12:00:00",
    "2026-11-25",
    "2026-02-30T12:00:00Z",
    "en\n",
    "ext:Local",
    "ext:Local\n",
    "MicroCredential",
    "Achievement",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.\u0663.3.json",
    [],
    [[]],
    [["x"]],
    ["https://example.org/y", 1],
    {},
    {"@id": "relative"},
    {"@id": "https://example.org/x"},
    {"@id": "_:b1"},
    {"id": 5},
    {"id": "https://a.example/", "@id": "https://b.example/"},
    {"@value": "x"},
    {"@value": "x", "@type": "https://example.org/dt"},
    {"@value": "x", "@language": "en"},
    {"@list": [1]},
    {"@context": {"ex": "https://example.org/"}, "ex:p": 1},
    {"@context": "https://www.w3.org/ns/credentials/v2", "name": "n"},
    {"@context": None},
    {"type": "Image", "id": "https://example.org/i.png"},
    {"type": ["Alignment"], "targetName": "n", "targetUrl": "https://e.org/"},
    {"type": 5},
    {"type": ["_:t"]},
    {"narrative": "n"},
    {"identifier": [{"type": "IdentityObject", "hashed": False}]},
]
ODD_KEYS: list[Any] = [
    "bogus",
    "name",
    "narrative",
    "description",
    "id",
    "type",
    "@id",
    "@type",
    "@context",
    "@value",
    "@language",
    "@list",
    "@graph",
    "@index",
    "@reverse",
    "@included",
    "@nest",
    "@direction",
    "@foo",
    "https://example.org/p",
    "_:p",
    "ex:p",
    "achievement",
    "image",
    "allowedValue",
    "creditsAvailable",
    "awardedDate",
    "validFrom",
    "alignment",
    "targetType",
    "inLanguage",
    5,
]


def _containers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _containers(child)
    elif isinstance(value, list):
        yield value
        for child in value:
            yield from _containers(child)


@st.composite
def mutated(
    draw: st.DrawFn,
    documents: st.SearchStrategy[dict[str, Any]],
    extra_values: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """A document from ``documents`` with one to three random changes."""
    document = copy.deepcopy(draw(documents))
    values = st.sampled_from([*ODD_VALUES, *extra_values]).map(copy.deepcopy)
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(list(_containers(document))))
        if isinstance(target, dict):
            action = draw(st.sampled_from(["set", "add", "delete", "wrap"]))
            keys = list(target)
            if action == "add" or not keys:
                target[draw(st.sampled_from(ODD_KEYS))] = draw(values)
                continue
            key = draw(st.sampled_from(keys))
            if action == "set":
                target[key] = draw(values)
            elif action == "delete":
                del target[key]
            else:
                target[key] = [target[key]]
        else:
            action = draw(st.sampled_from(["set", "append", "delete"]))
            if action == "append" or not target:
                target.append(draw(values))
                continue
            index = draw(st.integers(0, len(target) - 1))
            if action == "set":
                target[index] = draw(values)
            else:
                del target[index]
    return document

"""The quick JSON shape check answers exactly as the full one, on any value."""

from __future__ import annotations

import sys
from collections import OrderedDict
from typing import Any
from unittest import mock

import pytest
from generated import credentials, mutated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges import limits as limits_module
from badges.limits import Limits, check_json_shape, is_plain_json

Outcome = tuple[str, str]

ODD_TYPES = (
    (1, 2),
    OrderedDict(a=1),
    type("S", (str,), {})("x"),
    b"bytes",
    {5: "int key"},
    float("-inf"),
    object(),
)
SMALL = [Limits(), Limits(max_depth=4), Limits(max_json_values=40)]


def outcome(value: Any, limits: Limits) -> Outcome:
    try:
        check_json_shape(value, limits)
    except Exception as exc:  # the error is part of the answer
        return (type(exc).__name__, str(exc))
    return ("ok", "")


def full_check(value: Any, limits: Limits) -> Outcome:
    with mock.patch.object(limits_module, "is_plain_json", return_value=False):
        return outcome(value, limits)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(credentials(), ODD_TYPES), st.sampled_from(SMALL))
def test_the_quick_check_answers_as_the_full_one(
    document: dict[str, Any], limits: Limits
) -> None:
    assert outcome(document, limits) == full_check(document, limits)
    if is_plain_json(document, limits):
        assert full_check(document, limits) == ("ok", "")


@pytest.mark.parametrize(
    "value", ["text", 3, 2.5, True, None, float("nan"), (1,), [[[[[1]]]]], {"a": {}}]
)
@pytest.mark.parametrize("limits", SMALL, ids=["default", "depth", "count"])
def test_scalars_and_edges_answer_alike(value: Any, limits: Limits) -> None:
    assert outcome(value, limits) == full_check(value, limits)


def test_nesting_too_deep_to_measure_goes_to_the_full_check() -> None:
    value: Any = "leaf"
    for _ in range(sys.getrecursionlimit() + 10):
        value = [value]
    limits = Limits(max_depth=10**6, max_json_values=10**6)
    assert not is_plain_json(value, limits)
    assert outcome(value, limits) == ("ok", "")

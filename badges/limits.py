"""Bounds on hostile input (size, nesting, node counts, work) and their checks."""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

from badges.errors import InputLimitError


@dataclass(frozen=True)
class Limits:
    """How much work one credential may cost before it is refused.

    The defaults hold a generous Open Badges 3.0 credential (tens of KiB, a few
    hundred quads) with two orders of magnitude to spare, while keeping the worst
    case of canonicalization (RDFC-1.0 is exponential on "poison" graphs) to a
    fraction of a second.
    """

    max_bytes: int = 1_048_576
    max_depth: int = 48
    max_json_values: int = 20_000
    max_quads: int = 5_000
    max_blank_nodes: int = 500
    max_deep_iterations: int = 2_000
    max_permutations: int = 50_000
    time_budget_seconds: float = 0.5
    max_image_bytes: int = 16_777_216


DEFAULT_LIMITS = Limits()

#: Bounds for checking only that a document is plain JSON (what we write out
#: ourselves, such as a credential to sign or bake, is not hostile input).
UNBOUNDED_SHAPE = Limits(max_depth=10_000, max_json_values=sys.maxsize)


class WorkBudget:
    """A countdown of RDFC-1.0 work units and a wall-clock deadline."""

    __slots__ = ("_deadline", "_deep", "_permutations", "limits")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._deep = limits.max_deep_iterations
        self._permutations = limits.max_permutations
        self._deadline = time.monotonic() + limits.time_budget_seconds

    def spend_deep_iteration(self) -> None:
        """Count one Hash N-Degree Quads call; raise InputLimitError past the budget."""
        self._deep -= 1
        if self._deep < 0:
            raise InputLimitError(
                "canonicalization needs more than "
                f"{self.limits.max_deep_iterations} deep iterations "
                "(a blank-node graph this tangled is refused)"
            )
        self.check_time()

    def spend_permutation(self) -> None:
        """Count one permutation tried; raise InputLimitError past the budget."""
        self._permutations -= 1
        if self._permutations < 0:
            raise InputLimitError(
                "canonicalization needs more than "
                f"{self.limits.max_permutations} blank-node permutations"
            )
        if self._permutations % 256 == 0:
            self.check_time()

    def check_time(self) -> None:
        """Raise InputLimitError once the wall-clock budget is spent."""
        if time.monotonic() > self._deadline:
            raise InputLimitError(
                "canonicalization took longer than "
                f"{self.limits.time_budget_seconds:g} s and was stopped"
            )


def parse_json_text(data: str | bytes, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse JSON text within the size and depth bounds of ``limits``.

    Applies RFC 8259 strictly (UTF-8 only, no NaN or Infinity, no duplicate keys,
    no number too large for a double, such as 1e400, which would read as
    Infinity) because a signed document must mean one thing to every verifier.
    Raises InputLimitError when the text is too large or too deep and
    ValueError when it is not valid JSON.
    """
    if len(data) > limits.max_bytes:
        raise InputLimitError(
            f"input is {len(data)} bytes, more than the {limits.max_bytes} allowed"
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"input is not UTF-8: {exc.reason}") from exc
    else:
        text = data
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_double_range_int,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError as exc:
        # The C decoder guards its own recursion; the depth bound comes after.
        raise InputLimitError("input is nested too deeply") from exc
    check_json_shape(value, limits)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large for a JSON number")
    return value


# JSON numbers beyond a double's range read as Infinity (or fail) elsewhere.
_MAX_NUMBER = int(sys.float_info.max)


def _double_range_int(text: str) -> int:
    if len(text) > 310:
        raise ValueError(f"the number {text[:40]}... is too large for a JSON number")
    value = int(text)
    if abs(value) > _MAX_NUMBER:
        raise ValueError(f"the number {text[:40]}... is too large for a JSON number")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def check_json_shape(value: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Check that a parsed JSON value is plain JSON within the depth and count bounds.

    Plain JSON means dict with str keys, list, str, int, float, bool or None.
    Raises InputLimitError when a bound is exceeded and TypeError for values
    JSON cannot hold (which would serialize differently per verifier).
    """
    if is_plain_json(value, limits):
        return
    # Something is off: find and report it, always the same way.
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > limits.max_json_values:
            raise InputLimitError(
                f"input holds more than {limits.max_json_values} JSON values"
            )
        if depth > limits.max_depth:
            raise InputLimitError(
                f"input is nested more than {limits.max_depth} levels deep"
            )
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"JSON object key {key!r} is not a string")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise TypeError("NaN and Infinity are not JSON numbers")
        elif isinstance(item, int) and not isinstance(item, bool):
            if abs(item) > _MAX_NUMBER:
                raise TypeError("a number is too large for a JSON number")
        elif item is not None and not isinstance(item, str | int | bool):
            raise TypeError(f"{type(item).__name__} is not a JSON value")


def is_plain_json(value: Any, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Tell quickly whether ``value`` is plain JSON within the bounds of ``limits``.

    Plain means of the exact builtin types (dict with str keys, list, str, int
    within a double's range, bool, finite float, None), not subclasses. False
    when a bound is passed or a value is not plain, including when the nesting
    is too deep to measure.
    """
    kind = type(value)
    if kind is dict or kind is list:
        try:
            remaining = _remaining_values(
                value, 1, limits.max_depth, limits.max_json_values - 1
            )
        except RecursionError:
            return False
        return remaining >= 0
    if kind is int:
        return bool(abs(value) <= _MAX_NUMBER)
    return kind in _SCALARS and (kind is not float or math.isfinite(value))


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _remaining_values(container: Any, depth: int, max_depth: int, budget: int) -> int:
    # How many more values the budget allows after ``container``'s; -1 when
    # a bound is passed or a value is not plain JSON.
    if type(container) is dict:
        for key in container:
            if type(key) is not str:
                return -1
        children = container.values()
    else:
        children = container
    if not children:
        return budget
    budget -= len(children)
    if budget < 0 or depth >= max_depth:
        return -1
    for child in children:
        kind = type(child)
        if kind is str or kind is bool or child is None:
            continue
        if kind is int:
            if abs(child) > _MAX_NUMBER:
                return -1
            continue
        if kind is dict or kind is list:
            budget = _remaining_values(child, depth + 1, max_depth, budget)
            if budget < 0:
                return -1
        elif kind is not float or not math.isfinite(child):
            return -1
    return budget

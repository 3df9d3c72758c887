"""Validation against the official Open Badges 3.0 JSON Schemas (bundled copies)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Mapping
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from badges.dates import is_date, is_date_time
from badges.errors import SchemaValidationError
from badges.limits import Limits, is_plain_json

ACHIEVEMENT_CREDENTIAL_SCHEMA = "ob_v3p0_achievementcredential_schema.json"
PROFILE_SCHEMA = "ob_v3p0_profile_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA = "ob_v3p0_endorsementcredential_schema.json"

# The URL issuers put in credentialSchema (OB 3.0 §B.1, 1EdTechJsonSchemaValidator2019).
ACHIEVEMENT_CREDENTIAL_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json"
)

_FORMATS = FormatChecker(formats=())
# Our own checkers, so that validation never depends on which optional format
# packages happen to be installed (jsonschema skips unknown formats silently).
_FORMATS.checks("date-time")(is_date_time)
_FORMATS.checks("date")(is_date)

_MAX_REPORTED = 10

# jsonschema-rs recurses on the native stack, where a document nested tens of
# thousands of levels deep crashes the process; deeper documents than this
# (far past any credential, and past the default Limits) take the reference.
FAST_VALIDATOR_MAX_DEPTH = 128
_FAST_VALIDATOR_BOUNDS = Limits(
    max_depth=FAST_VALIDATOR_MAX_DEPTH, max_json_values=sys.maxsize
)


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    text = resources.files("badges").joinpath("schemas", name).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _validator(name: str) -> Draft201909Validator:
    # The reference: python-jsonschema, whose errors are the ones reported.
    schema = _schema(name)
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=_FORMATS)


@functools.cache
def _fast_validator(name: str) -> jsonschema_rs.Validator:
    # The same schema compiled once by jsonschema-rs (Rust), with the same
    # format checkers; it answers valid or not, about 50 times faster. The
    # official schemas use no format other than date-time and date.
    return jsonschema_rs.validator_for(
        _schema(name),
        formats={"date-time": is_date_time, "date": is_date},
        validate_formats=True,
        offline=True,
    )


def schema_errors(
    document: Mapping[str, Any], schema: str = ACHIEVEMENT_CREDENTIAL_SCHEMA
) -> list[str]:
    """List, in plain words, how ``document`` breaks an official OB 3.0 schema.

    Applies JSON Schema draft 2019-09 with format checking (date-time, date).
    Returns an empty list for a valid document; at most ten messages, each
    prefixed with the JSON path of the offending value.

    A compiled Rust validator decides first for plain JSON; a document it does
    not accept is judged again, and described, by the python-jsonschema
    reference, which has the last word. The Rust one is never more lenient (a
    differential test checks it); it is stricter in two ways, both settled by
    the reference: ``\\d`` matches ASCII digits only and ``$`` does not match
    before a final newline (ECMA-262 regular expressions, as JSON Schema says).
    """
    if _fast_validator_accepts(document, schema):
        return []
    return _reference_errors(document, schema)


def _reference_errors(document: Mapping[str, Any], schema: str) -> list[str]:
    errors = sorted(
        _validator(schema).iter_errors(document),
        key=lambda error: (list(error.absolute_path), error.message),
    )
    return [_describe(error) for error in errors[:_MAX_REPORTED]]


def _fast_validator_accepts(document: Mapping[str, Any], schema: str) -> bool:
    # Only plain JSON, not too deep: jsonschema-rs takes a tuple for an array
    # (python-jsonschema does not), and recurses on the native stack.
    if not is_plain_json(document, _FAST_VALIDATOR_BOUNDS):
        return False
    try:
        return _fast_validator(schema).is_valid(document)
    except Exception:  # a value it cannot take: the reference judges
        return False


def validate(
    document: Mapping[str, Any], schema: str = ACHIEVEMENT_CREDENTIAL_SCHEMA
) -> None:
    """Validate ``document`` against an official OB 3.0 schema (draft 2019-09).

    Raises SchemaValidationError listing the problems when it does not validate.
    """
    problems = schema_errors(document, schema)
    if problems:
        raise SchemaValidationError("; ".join(problems))


def _describe(error: ValidationError) -> str:
    path = "$" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}"
        for part in error.absolute_path
    )
    # oneOf / anyOf messages repeat the whole instance; the best sub-error says more.
    if error.context:
        best = min(error.context, key=lambda sub: len(sub.message))
        return f"{path}: {best.message}"
    message = error.message
    shown = repr(error.instance)
    if len(shown) > 60 and shown in message:
        # Messages quote the whole offending value; name its kind instead.
        message = message.replace(shown, f"this {type(error.instance).__name__}")
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{path}: {message}"

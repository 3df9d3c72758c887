"""Validation against the official Open Badges 3.0 JSON Schemas (bundled copies)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from badges.dates import is_date, is_date_time
from badges.errors import SchemaValidationError

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


@functools.cache
def _validator(name: str) -> Draft201909Validator:
    text = resources.files("badges").joinpath("schemas", name).read_text("utf-8")
    schema = json.loads(text)
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=_FORMATS)


def schema_errors(
    document: Mapping[str, Any], schema: str = ACHIEVEMENT_CREDENTIAL_SCHEMA
) -> list[str]:
    """List, in plain words, how ``document`` breaks an official OB 3.0 schema.

    Applies JSON Schema draft 2019-09 with format checking (date-time, date).
    Returns an empty list for a valid document; at most ten messages, each
    prefixed with the JSON path of the offending value.
    """
    errors = sorted(
        _validator(schema).iter_errors(document),
        key=lambda error: (list(error.absolute_path), error.message),
    )
    return [_describe(error) for error in errors[:_MAX_REPORTED]]


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

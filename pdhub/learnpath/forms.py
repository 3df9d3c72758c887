"""The self-assessment (one choice per competency, built per request) and the class
access inventory (one whole number per count the module asks for, and the consent)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, RadioField, SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from pdhub.extensions import db
from pdhub.learning.models import Enrollment
from pdhub.learnpath.inventory import (
    COUNT_LABELS,
    MAX_STUDENTS,
    counts_of,
    inventory_of,
)
from pdhub.learnpath.service import LEVEL_HINTS, LEVEL_LABELS, LEVELS, Item


class SelfAssessmentForm(FlaskForm):
    """Built per request by self_assessment_form: ``item_<n>`` for each item."""

    def item_field(self, index: int) -> Field:
        return self[f"item_{index}"]


def self_assessment_form(items: Sequence[Item], **kwargs: Any) -> SelfAssessmentForm:
    class Form(SelfAssessmentForm):
        pass

    choices = [
        SelectChoice(level, f"{LEVEL_LABELS[level]}: {LEVEL_HINTS[level]}")
        for level in LEVELS
    ]
    for index, item in enumerate(items):
        setattr(
            Form,
            f"item_{index}",
            RadioField(item.text, choices=choices, validators=[Optional()]),
        )
    return Form(**kwargs)


class InventoryForm(FlaskForm):
    """Built per request by inventory_form: ``students``, ``count_<id>``, ``share``."""

    students = IntegerField(
        _l("Students in the class"),
        validators=[
            InputRequired(_l("Give the number of students in the class.")),
            NumberRange(1, MAX_STUDENTS, _l("Give a whole number from 1 to 500.")),
        ],
    )
    share = BooleanField(
        _l("Count my class in the district's access picture"),
        description=_l(
            "Only these numbers are shared, never names or anything about a single "
            "student, and only in totals of at least 10 classes of your school. "
            "Untick and save to stop sharing."
        ),
    )

    def count_fields(self) -> list[Field]:
        return [field for field in self if field.name.startswith("count_")]


def inventory_form(counts: Sequence[str], **kwargs: Any) -> InventoryForm:
    class Form(InventoryForm):
        pass

    for key in counts:
        setattr(
            Form,
            f"count_{key}",
            IntegerField(
                COUNT_LABELS[key],
                validators=[
                    InputRequired(_l("Give a count, 0 if none.")),
                    NumberRange(
                        0, MAX_STUDENTS, _l("Give a whole number from 0 to 500.")
                    ),
                ],
            ),
        )
    return Form(**kwargs)


def inventory_form_for(enrollment: Enrollment) -> InventoryForm | None:
    """The inventory part of the evidence page, filled with what was saved; None
    when the module asks for no inventory."""
    counts = counts_of(enrollment)
    if not counts:
        return None
    saved = inventory_of(db.session, enrollment)
    data: dict[str, Any] = {}
    if saved is not None:
        data = {"students": saved.students, "share": saved.shared}
        data.update({f"count_{k}": v for k, v in saved.counts.items()})
    return inventory_form(counts, prefix="inventory", data=data)

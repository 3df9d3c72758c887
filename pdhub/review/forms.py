"""Review forms: queue filters, rubric scoring, coach assignments."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    module = SelectField("Module", choices=[], validate_choice=False)
    district = SelectField("District", choices=[], validate_choice=False)
    school = SelectField("School", choices=[], validate_choice=False)
    waited = SelectField(
        "Waiting",
        choices=[
            SelectChoice("", "Any time"),
            SelectChoice("1", "1 day or more"),
            SelectChoice("3", "3 days or more"),
            SelectChoice("7", "A week or more"),
        ],
        validate_choice=False,
    )

    def as_int(self, name: str) -> int | None:
        value = getattr(self, name).data
        return int(value) if value and str(value).isdigit() else None


class ReviewForm(FlaskForm):
    """Rubric fields are added per criterion by ``review_form``."""

    overall_feedback = TextAreaField(
        "Overall feedback",
        description="What the teacher did well and, if it needs revision, "
        "where to start.",
        validators=[Optional(), Length(max=10000)],
    )
    decision = RadioField(
        "Decision",
        choices=[
            SelectChoice("passed", "Passed"),
            SelectChoice("needs_revision", "Needs revision"),
        ],
        validators=[DataRequired("Choose passed or needs revision.")],
    )


def review_form(rubric: dict[str, Any], **kwargs: Any) -> ReviewForm:
    """A ReviewForm with a level choice and a feedback box for each rubric criterion."""

    class RubricReviewForm(ReviewForm):
        pass

    level_choices = [
        SelectChoice(level["id"], level["name"]) for level in rubric.get("levels", [])
    ]
    for criterion in rubric.get("criteria", []):
        cid = criterion["id"]
        setattr(
            RubricReviewForm,
            f"level_{cid}",
            RadioField(
                criterion["name"],
                choices=level_choices,
                validate_choice=False,
                validators=[Optional()],
            ),
        )
        setattr(
            RubricReviewForm,
            f"feedback_{cid}",
            TextAreaField(
                f"Feedback on “{criterion['name']}”",
                validators=[Optional(), Length(max=5000)],
            ),
        )
    return RubricReviewForm(**kwargs)


class AssignmentForm(FlaskForm):
    coach = SelectField(
        "Coach",
        validate_choice=False,
        choices=[],
        validators=[DataRequired("Choose a coach.")],
    )
    scope = SelectField(
        "Serves",
        validate_choice=False,
        choices=[],
        description="A whole district, or one school in it.",
        validators=[DataRequired("Choose what the coach serves.")],
    )

"""Review forms: queue filters, rubric scoring, coach assignments."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    module = SelectField(_l("Module"), choices=[], validate_choice=False)
    district = SelectField(_l("District"), choices=[], validate_choice=False)
    school = SelectField(_l("School"), choices=[], validate_choice=False)
    waited = SelectField(
        _l("Waiting"),
        choices=[
            SelectChoice("", _l("Any time")),
            SelectChoice("1", _l("1 day or more")),
            SelectChoice("3", _l("3 days or more")),
            SelectChoice("7", _l("A week or more")),
        ],
        validate_choice=False,
    )

    def as_int(self, name: str) -> int | None:
        value = getattr(self, name).data
        return int(value) if value and str(value).isdigit() else None


class ReviewForm(FlaskForm):
    """Rubric fields are added per criterion by ``review_form``."""

    overall_feedback = TextAreaField(
        _l("Overall feedback"),
        description=_l(
            "What the teacher did well and, if it needs revision, where to start."
        ),
        validators=[Optional(), Length(max=10000)],
    )
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("passed", _l("Passed")),
            SelectChoice("needs_revision", _l("Needs revision")),
        ],
        validators=[DataRequired(_l("Choose passed or needs revision."))],
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
                _l("Feedback on “%(criterion)s”", criterion=criterion["name"]),
                validators=[Optional(), Length(max=5000)],
            ),
        )
    return RubricReviewForm(**kwargs)


class AssignmentForm(FlaskForm):
    coach = SelectField(
        _l("Coach"),
        validate_choice=False,
        choices=[],
        validators=[DataRequired(_l("Choose a coach."))],
    )
    scope = SelectField(
        _l("Serves"),
        validate_choice=False,
        choices=[],
        description=_l("A whole district, or one school in it."),
        validators=[DataRequired(_l("Choose what the coach serves."))],
    )

"""Equity forms: the team, cycles, ratings and consensus (one field per indicator of
the instrument), and the planning workbook."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from pdhub.equity.instrument import Instrument
from pdhub.equity.plan import STATUS_CHOICES

ROLE_CHOICES = [SelectChoice("member", _l("Member")), SelectChoice("lead", _l("Lead"))]


class AddMemberForm(FlaskForm):
    person = SelectField(_l("Person"), coerce=str, choices=[])
    role = SelectField(_l("Role on the team"), choices=ROLE_CHOICES)


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role on the team"), choices=ROLE_CHOICES)


class CycleForm(FlaskForm):
    name = StringField(
        _l("Name of the cycle"),
        description=_l("The term or year it covers, for example Spring 2027."),
        validators=[DataRequired(_l("Name the cycle.")), Length(max=80)],
    )


def _level_choices(instrument: Instrument, blank: Any) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [
        SelectChoice(str(s.level), s.title) for s in instrument.scale
    ]


class RatingsForm(FlaskForm):
    """Built per request: ``level_<id>``, ``comment_<id>``, ``evidence_<id>`` for each
    indicator (see ratings_form)."""

    def indicator_fields(self, indicator_id: str) -> tuple[Field, Field, Field]:
        return (
            self[f"level_{indicator_id}"],
            self[f"comment_{indicator_id}"],
            self[f"evidence_{indicator_id}"],
        )


def ratings_form(instrument: Instrument, **kwargs: Any) -> RatingsForm:
    class Form(RatingsForm):
        pass

    for indicator in instrument.indicators:
        setattr(
            Form,
            f"level_{indicator.id}",
            SelectField(
                _l("Your rating"),
                choices=_level_choices(instrument, _l("Not rated yet")),
                validators=[Optional()],
            ),
        )
        setattr(
            Form,
            f"comment_{indicator.id}",
            TextAreaField(_l("Why this rating"), validators=[Length(max=2000)]),
        )
        setattr(
            Form,
            f"evidence_{indicator.id}",
            TextAreaField(
                _l("Evidence links (one a line)"),
                validators=[Length(max=2000)],
            ),
        )
    return Form(**kwargs)


class ConsensusForm(FlaskForm):
    def indicator_fields(self, indicator_id: str) -> tuple[Field, Field]:
        return (self[f"level_{indicator_id}"], self[f"note_{indicator_id}"])


def consensus_form(instrument: Instrument, **kwargs: Any) -> ConsensusForm:
    class Form(ConsensusForm):
        pass

    for indicator in instrument.indicators:
        setattr(
            Form,
            f"level_{indicator.id}",
            SelectField(
                _l("Team rating"),
                choices=_level_choices(instrument, _l("Not agreed yet")),
                validators=[Optional()],
            ),
        )
        setattr(
            Form,
            f"note_{indicator.id}",
            StringField(_l("Note"), validators=[Length(max=500)]),
        )
    return Form(**kwargs)


class ReflectionForm(FlaskForm):
    def answer_field(self, question_id: str) -> Field:
        return self[f"answer_{question_id}"]


def reflection_form(
    instrument: Instrument, area_id: str, **kwargs: Any
) -> ReflectionForm:
    class Form(ReflectionForm):
        pass

    area = instrument.area(area_id)
    for question in area.reflection if area else ():
        setattr(
            Form,
            f"answer_{question.id}",
            TextAreaField(question.text, validators=[Length(max=4000)]),
        )
    return Form(**kwargs)


class GoalForm(FlaskForm):
    area = SelectField(_l("Area"), choices=[])
    text = TextAreaField(
        _l("Goal"),
        validators=[DataRequired(_l("Write the goal.")), Length(max=1000)],
    )


class ActionForm(FlaskForm):
    area = SelectField(_l("Area"), choices=[])
    title = StringField(
        _l("Action"),
        validators=[DataRequired(_l("Say what will be done.")), Length(max=300)],
    )
    owner = SelectField(_l("Owner"), coerce=str, choices=[])
    due = DateField(
        _l("Due date"),
        validators=[DataRequired(_l("Enter a due date, for example 2027-03-31."))],
    )
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    evidence_url = StringField(
        _l("Link to the evidence of progress"),
        description=_l("Optional: a web address starting with https://."),
        validators=[Length(max=500)],
    )


class GapAssignForm(FlaskForm):
    """Assign a recommended module: to every teacher or one school's, by a date."""

    module = StringField(_l("Module"), validators=[DataRequired(), Length(max=80)])
    school = SelectField(_l("Assign to"), coerce=str, choices=[])
    due = DateField(
        _l("Due date"),
        validators=[DataRequired(_l("Enter a due date, for example 2027-03-31."))],
    )

"""The form a district administrator endorses a module with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from pdhub.endorsements.service import COMMENT_MAX


class EndorseForm(FlaskForm):
    module = SelectField(
        _l("Module"),
        coerce=int,
        validators=[DataRequired(_l("Choose a module from the list."))],
    )
    comment = TextAreaField(
        _l("What your district's endorsement means"),
        description=_l(
            "For example “Approved for salary credit in our district”. Anyone who "
            "looks at the badge sees it."
        ),
        validators=[
            DataRequired(_l("Say what the endorsement means.")),
            Length(max=COMMENT_MAX),
        ],
        render_kw={"rows": 3},
    )

"""Every CSV export goes through one writer that neutralizes spreadsheet formulas,
also behind leading spaces."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.exports import csv_cell
from pdhub.learning.models import EnrollmentStatus
from tests.factories import EnrollmentFactory, ModuleFactory, UserFactory
from tests.helpers import sign_in


@pytest.mark.parametrize(
    "value",
    [
        "=cmd|' /C calc'!A0",
        " =cmd",
        "   +1+1",
        "\t=1",
        "\u3000=1",
        "\u00a0@SUM(A1)",
        "-2+3",
        "|pipe",
        "＝1+1",
        "\r=1",
    ],
)
def test_a_cell_a_spreadsheet_would_run_becomes_text(value: str) -> None:
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Ana Ruiz", "a = b", "verified", "", " plain"])
def test_ordinary_text_is_left_alone(value: str) -> None:
    assert csv_cell(value) == value


def test_numbers_stay_numbers() -> None:
    assert [csv_cell(-3), csv_cell(1.5), csv_cell(None)] == ["-3", "1.5", ""]


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_transcript_neutralizes_a_title_behind_spaces(
    session: Session, client: FlaskClient
) -> None:
    teacher = UserFactory()
    EnrollmentFactory(
        user=teacher,
        module=ModuleFactory(title='  =HYPERLINK("x")', hours=2.0),
        status=EnrollmentStatus.COMPLETED,
        completed_at=datetime(2026, 5, 1, tzinfo=UTC),
    )
    sign_in(client, teacher)
    rows = _rows(client.get("/transcript.csv"))
    assert rows[1][0] == "'" + '  =HYPERLINK("x")'

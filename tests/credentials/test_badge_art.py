"""The badge a teacher earns shows the module's designed art, in every form: the baked
PNG (and so LinkedIn's picture and the PDF certificate), the SVG, and My badges, where
a small picture keeps the page light."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from badges.baking import extract_png
from pdhub.credentials import images, service
from pdhub.credentials.models import IssuedCredential
from pdhub.learning.packages import validate_package
from tests.conftest import ROOT
from tests.factories import AwardFactory, EnrollmentFactory, ModuleFactory
from tests.helpers import sign_in
from tests.learning.test_packages import problem_for, write_sample

ART = (ROOT / "modules" / "digital-equity-classroom" / "badge.svg").read_bytes()
NAVY, GOLD = (0x1B, 0x3A, 0x5C), (0xF2, 0xC1, 0x4E)


def _share_of(png: bytes, colour: tuple[int, int, int]) -> float:
    """The share of the picture's pixels within a small distance of ``colour``."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.get_flattened_data())
    near = sum(
        1
        for p in pixels
        if sum(abs(a - b) for a, b in zip(p, colour, strict=True)) < 30
    )
    return near / len(pixels)


@pytest.fixture
def credential(session: Session) -> IssuedCredential:
    module = ModuleFactory(
        badge_image=ART,
        badge_media_type="image/svg+xml",
        badge_alt="A round navy badge with three gold bars rising to the right.",
    )
    award = AwardFactory(enrollment=EnrollmentFactory(module=module))
    issued = service.issue_credential(session, award.id)
    assert issued is not None
    session.commit()
    return issued


def test_the_baked_png_is_the_modules_art_not_a_generic_medal(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, credential.user)
    response = client.get(f"/credentials/{credential.id}.png")
    assert response.status_code == 200
    png = response.get_data()
    assert extract_png(png)  # still carries the signed credential
    # The designed art is navy with a gold ring and gold bars.
    assert _share_of(png, NAVY) > 0.3
    assert _share_of(png, GOLD) > 0.03
    # The PDF certificate draws the same picture.
    assert images.badge_png(credential.award.module)[:8] == b"\x89PNG\r\n\x1a\n"


def test_my_badges_shows_a_small_picture_and_stays_light(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    sign_in(client, credential.user)
    response = client.get("/badges")
    page = response.get_data(as_text=True)
    module = credential.award.module
    thumbnail = f"/modules/{module.slug}/badge?version={module.version}"
    assert f'src="{thumbnail}"' in page
    assert f'/credentials/{credential.id}.png"' not in page  # not the signed PNG
    assert len(response.get_data()) <= 60 * 1024
    picture = client.get(thumbnail)
    assert picture.status_code == 200 and len(picture.get_data()) < 5 * 1024
    assert module.badge_alt in page


def test_badge_art_that_cannot_be_drawn_is_refused_when_a_module_is_checked(
    tmp_path: Path,
) -> None:
    sample = write_sample(tmp_path / "sample-module")
    (sample / "badge.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>'
    )
    problem = problem_for(validate_package(sample), "badge.image")
    assert "cannot be drawn" in problem.message

"""The screening checks, one at a time."""

from __future__ import annotations

from pdhub.review import graders
from pdhub.submissions.storage import sniff_media_type
from tests.factories import PDF_BYTES
from tests.review.conftest import CONTEXT, REFLECTION

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_screening_accepts_exactly_the_types_uploads_accept() -> None:
    """One list of types (submissions.storage): what upload takes, screening takes,
    and what upload refuses, screening never asks for ("use a video" was told to
    teachers whose upload of a video was refused)."""
    assert graders.file_problem("plan.pdf", PDF_BYTES) is None
    assert graders.file_problem("photo.png", PNG) is None
    for refused in ("Notes — été".encode(), b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64):
        assert sniff_media_type(refused) is None
        problem = graders.file_problem("notes", refused)
        assert (
            problem is not None
            and "share a video or anything else as a link" in problem
        )
        assert "Use a video" not in problem


def test_a_program_renamed_to_pdf_is_refused_by_its_content() -> None:
    problem = graders.file_problem("plan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64)
    assert problem is not None and "plan.pdf" in problem


def test_a_file_that_does_not_match_its_upload_is_unreadable() -> None:
    problem = graders.file_problem("plan.pdf", PDF_BYTES, expected_sha256="0" * 64)
    assert problem is not None and "upload it again" in problem


def test_binary_garbage_and_empty_files_are_refused() -> None:
    assert "not a type we accept" in graders.file_problem("x.bin", b"\x00\xff\x00" * 10)
    assert "empty" in graders.file_problem("x.pdf", b"")


def test_links_must_be_web_addresses_with_a_site_name() -> None:
    assert graders.link_problem("https://example.org/plan?id=3") is None
    assert "https://" in graders.link_problem("javascript:alert(1)")
    assert "site name" in graders.link_problem("https://localhost/x")
    assert "spaces" in graders.link_problem("https://example.org/my plan")
    assert "password" in graders.link_problem("https://me:secret@example.org/")
    assert graders.link_problem("https://example.org:99999/") is not None


def test_word_counts_treat_contractions_and_hyphens_as_one_word() -> None:
    assert graders.word_count("Don't stop: twenty-four students, 3 groups.") == 6


def test_near_copies_score_high_and_different_texts_low() -> None:
    text = CONTEXT + " " + REFLECTION
    copy = text.replace("ecosystems", "habitats")
    other = "We wrote poems about autumn and read them aloud to the class. " * 3
    assert graders.jaccard(graders.shingles(text), graders.shingles(copy)) >= 0.8
    assert graders.jaccard(graders.shingles(text), graders.shingles(other)) == 0.0


def test_the_registry_runs_every_check_in_order() -> None:
    names = [check.__name__ for check in graders.CHECKS]
    assert names[:5] == [
        "parts_present",
        "minimum_lengths",
        "files_readable",
        "links_well_formed",
        "similarity",
    ]


def test_sketches_estimate_similarity_at_a_fixed_size() -> None:
    text = CONTEXT + " " + REFLECTION
    copy = text.replace("ecosystems", "habitats")
    mine = graders.sketch(text)
    assert len(mine) == graders.SKETCH_SIZE
    assert graders.sketch_similarity(mine, graders.sketch(text)) == 1.0
    assert graders.sketch_similarity(mine, graders.sketch(copy)) >= 0.8
    other = graders.sketch("We wrote poems about autumn and read them aloud. " * 3)
    assert graders.sketch_similarity(mine, other) == 0.0

"""Demo discussions for ``pdhub demo``: built with the same service functions people
use, in English and Spanish, so every community page has something to show."""

from __future__ import annotations

from sqlalchemy import exists, select

from pdhub.accounts.models import User
from pdhub.communities import service
from pdhub.communities.models import Community, CommunityKind, Post, Thread
from pdhub.db import DbSession


def _user(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def seed(session: DbSession) -> None:
    """Topic, district and module discussions with replies, an accepted answer and a
    report waiting for the moderators. Does nothing once any discussion exists."""
    if session.scalar(select(exists().where(Thread.id.is_not(None)))):
        return
    maya = _user(session, "teacher@riverside.example.org")
    coach = _user(session, "coach@riverside.example.org")
    leo = _user(session, "leo@riverside.example.org")
    priya = _user(session, "priya@riverside.example.org")
    if maya is None or coach is None or leo is None or priya is None:
        return
    for person in (maya, coach, leo, priya):
        service.ensure_communities(session, person)
    session.flush()
    district = session.scalar(
        select(Community).where(
            Community.kind == CommunityKind.DISTRICT,
            Community.district_id == maya.district_id,
        )
    )
    assert district is not None
    laptops = service.start_thread(
        session, maya, district, title="Sharing laptops across two classes",
        body="We have **twelve laptops** for twenty-four students. How do you plan "
        "stations so everyone gets time on the device?",
    )  # fmt: skip
    service.reply(
        session, leo, laptops,
        body="I run three stations: devices, paper and a small group with me. "
        "@maya.teacher the timer on the board helps a lot.",
    )  # fmt: skip
    service.reply(
        session, coach, laptops,
        body="> I run three stations\n\nGreat idea. Write the rotation in your lesson "
        "plan evidence: it is what the rubric's *planning* level asks for.",
    )  # fmt: skip
    grupos = service.start_thread(
        session, priya, district, title="¿Cómo organizan los grupos pequeños?",
        body="Busco ideas para formar grupos de lectura con niveles mixtos. "
        "¿Qué les ha funcionado?",
    )  # fmt: skip
    service.reply(
        session, maya, grupos,
        body="Yo cambio los grupos cada dos semanas y uso tarjetas con roles.",
    )  # fmt: skip
    maya_module = session.scalar(
        select(Community)
        .where(Community.kind == CommunityKind.MODULE)
        .order_by(Community.id)
    )
    if maya_module is not None:
        question = service.start_thread(
            session, leo, maya_module, title="Does a photo of the whiteboard count?",
            body="For the evidence, can I upload a photo of my whiteboard plan?",
            is_question=True,
        )  # fmt: skip
        answer = service.reply(
            session, coach, question,
            body="Yes: a clear photo works. Remove any student names first.",
        )  # fmt: skip
        service.accept_answer(session, leo, question, answer)
    topic = service.create_topic(
        session, coach, name="Teaching with limited connectivity",
        description="Ideas for lessons that work when the internet doesn't.",
    )  # fmt: skip
    offline = service.start_thread(
        session, coach, topic, title="Offline-first lesson plans",
        body="Share one lesson that worked without a connection. "
        "[This guide](https://example.org/offline) is a good start.",
    )  # fmt: skip
    noisy = service.reply(session, priya, offline, body="Buy cheap followers here!!!")
    session.flush()
    post = session.get(Post, noisy.id)
    assert post is not None
    service.report_post(session, maya, post, "This looks like spam.")
    session.flush()

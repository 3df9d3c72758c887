"""Domain events that let one feature react to another without importing it.

Senders call ``signal.send(session, **data)`` inside their transaction; receivers run
at once, in the same transaction, and may only flush (and enqueue jobs, which leave
after commit). Receivers are connected when their feature's ``receivers`` module is
imported by create_app.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A teacher submitted evidence: ``version`` (SubmissionVersion) was just snapshotted.
submission_submitted = _signals.signal("submission-submitted")
#: A knowledge-check attempt was scored: ``attempt`` (QuizAttempt).
quiz_attempt_graded = _signals.signal("quiz-attempt-graded")
#: A coach passed a submission: ``submission`` (Submission).
submission_passed = _signals.signal("submission-passed")
#: An enrollment completed and its Award was recorded: ``award`` (Award).
award_recorded = _signals.signal("award-recorded")

"""The background recorder of unanswered questions: a shutdown writes what is already queued."""
from __future__ import annotations

import time

from submissions import SubmissionStore
from submissions.unanswered import BackgroundRecorder, UnansweredQuestions


class SlowQuestions(UnansweredQuestions):
    """Takes its time over every write, as a busy database does."""

    def record(self, *args, **kwargs):
        time.sleep(0.2)
        return super().record(*args, **kwargs)


def test_closing_writes_every_question_already_queued_and_takes_no_more(store: SubmissionStore) -> None:
    recorder = BackgroundRecorder(lambda: SlowQuestions(store))
    for number in range(3):
        assert recorder.submit(f"第{number}个没把握的问题", "rest")
    recorder.close()
    assert UnansweredQuestions(store).count() == 3
    assert not recorder.submit("关闭以后才来的问题", "rest")  # refused and logged, never raised
    assert UnansweredQuestions(store).count() == 3

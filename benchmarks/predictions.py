"""``python -m benchmarks.predictions MODEL OUT.json [--compare OTHER.json]``: the dialogue
policies alone.

Every prediction point of tests/stories (each action of each test story, with the events before
it) and of longer conversations (four test stories in a row) goes once through the model's
prediction graph, as the Rasa server predicts (with :mod:`bot.rule_prediction` installed unless
``--rasa-only``); prints the CPU time of one prediction (process time, best of ``--repeats``) and
writes every prediction (action, confidence, policy, events) to OUT.json. ``--compare`` counts
the predictions that differ from another run's, e.g. of the model before a policy change.
Prints figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from typing import Any, Dict, List, Tuple

STORIES = "tests/stories/test_stories.yml"
STORIES_PER_LONG_CONVERSATION = 4


def chained(stories: List[List[Any]]) -> List[List[Any]]:
    """Longer conversations: each second story with the three after it (their session starts dropped)."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    def is_session_start(event: Any) -> bool:
        return isinstance(event, SessionStarted) or (
            isinstance(event, ActionExecuted) and event.action_name == "action_session_start")

    conversations = []
    for first in range(0, len(stories) - STORIES_PER_LONG_CONVERSATION + 1, 2):
        events = list(stories[first])
        for story in stories[first + 1:first + STORIES_PER_LONG_CONVERSATION]:
            events += [event for event in story if not is_session_start(event)]
        conversations.append(events)
    return conversations


def prediction_points(agent: Any) -> List[Tuple[str, Any]]:
    """(kind, tracker before an action) for every action but the session start."""
    from rasa.core.test import _create_data_generator
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    trackers = sorted(_create_data_generator(STORIES, agent).generate_story_trackers(), key=lambda t: t.sender_id)
    stories = [list(tracker.events) for tracker in trackers]
    points = []
    for kind, conversations in (("story", stories), ("long", chained(stories))):
        for events in conversations:
            for i, event in enumerate(events):
                if i and isinstance(event, ActionExecuted) and event.action_name != "action_session_start":
                    points.append((kind, DialogueStateTracker.from_events("bench", events[:i], agent.domain.slots)))
    return points


def comparable(prediction: Dict[str, Any]) -> str:
    events = [{k: v for k, v in event.items() if k != "timestamp"} for event in prediction["events"]]
    return json.dumps([prediction["action"], prediction["confidence"], prediction["policy"], events], sort_keys=True)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.predictions", description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--compare", help="another run's OUT.json")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rasa-only", action="store_true", help="without bot.rule_prediction")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    if not args.rasa_only:
        from bot.rule_prediction import skip_impossible_text_pass

        skip_impossible_text_pass()
    configure_logging_and_warnings(logging.WARNING, warn_only_once=True, filter_repeated_logs=True)
    configure_structlog(logging.WARNING)
    agent = Agent.load(args.model)
    points = prediction_points(agent)
    predict = agent.processor._predict_next_with_tracker
    predictions = []
    for kind, tracker in points:  # also the warm-up
        prediction = predict(tracker)
        predictions.append({
            "kind": kind, "history_events": len(tracker.events), "policy": prediction.policy_name,
            "action": agent.domain.action_names_or_texts[prediction.max_confidence_index],
            "confidence": round(prediction.max_confidence, 6), "events": [e.as_dict() for e in prediction.events],
        })
    figures = {}
    for kind in ("story", "long"):
        trackers = [tracker for k, tracker in points if k == kind]
        best = float("inf")
        for _ in range(args.repeats):
            start = time.process_time()
            for tracker in trackers:
                predict(tracker)
            best = min(best, (time.process_time() - start) / len(trackers) * 1000)
        figures[kind] = {"predictions": len(trackers), "cpu_ms_per_prediction": round(best, 3),
                         "mean_history_events": round(sum(len(t.events) for t in trackers) / len(trackers), 1)}
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"model": args.model, "figures": figures, "predictions": predictions}, out, ensure_ascii=False)
    print(json.dumps(figures, ensure_ascii=False))
    if args.compare:
        with open(args.compare, encoding="utf-8") as other_file:
            other = json.load(other_file)["predictions"]
        differ = sum(comparable(a) != comparable(b) for a, b in zip(predictions, other)) + abs(len(predictions) - len(other))
        print(f"{differ} of {len(predictions)} predictions differ from {args.compare}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

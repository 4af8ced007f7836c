"""Both of Rasa's evaluations of the trained model in one process, so Rasa, TensorFlow and the
model load once: the test stories as ``rasa test core --fail-on-prediction-errors`` runs them,
then intent classification on the held-out NLU data through ``python -m bot.evaluate_nlu``'s own
entry point (its ``Agent.load`` of the same model gets the agent already loaded).

    python -m tests.rasa.evaluations MODEL STORIES OUT_DIR

writes ``OUT_DIR/stories.json`` (``{"passed": bool, "error": str}``; Rasa's own report files
beside it) and ``OUT_DIR/nlu_report.json`` (``python -m bot.evaluate_nlu --json``).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import evaluate_nlu

if TYPE_CHECKING:
    from rasa.core.agent import Agent


def load_once(model: Path) -> Agent:
    """Load ``model``; later ``Agent.load`` calls for the same model return this agent (one load
    takes most of a minute on a busy machine)."""
    from rasa.core.agent import Agent

    load = Agent.load
    agent = load(str(model))

    def loaded_already(model_path: str, *args: Any, **kwargs: Any) -> Agent:
        if Path(model_path) == model and not args and not kwargs:
            return agent
        return load(model_path, *args, **kwargs)

    Agent.load = loaded_already  # type: ignore[method-assign]
    return agent


async def follow_stories(agent: Agent, stories: Path, out_dir: Path) -> dict[str, object]:
    """What ``rasa test core --fail-on-prediction-errors`` does, without the command line."""
    from rasa.core.test import WrongPredictionException, test as evaluate_stories

    from bot.rule_prediction import skip_impossible_text_pass

    skip_impossible_text_pass()  # as the Rasa server predicts (bot/rasa_server.py)

    try:
        await evaluate_stories(str(stories), agent, out_directory=str(out_dir),
                               fail_on_prediction_errors=True, disable_plotting=True)
    except WrongPredictionException as error:
        return {"passed": False, "error": str(error)}
    return {"passed": True, "error": ""}


def main(argv: list[str]) -> int:
    model, stories, out_dir = (Path(arg) for arg in argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # as Rasa's command line does (unconfigured, structlog prints a debug line for every prediction)
    configure_logging_and_warnings(logging.WARNING, warn_only_once=True, filter_repeated_logs=True)
    configure_structlog(logging.WARNING)
    out_dir.mkdir(parents=True, exist_ok=True)
    outcome = asyncio.run(follow_stories(load_once(model), stories, out_dir))
    (out_dir / "stories.json").write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
    return evaluate_nlu.main(["--model", str(model), "--json", str(out_dir / "nlu_report.json")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

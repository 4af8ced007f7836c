"""Rasa's stock bot (``rasa init --no-prompt``) as the speed reference of the closed-loop runs.

The bot is created and trained once in ``var/bench/stock`` (its model is reused when present),
then started on a free port with its own files: REST channel, in-memory tracker store, no action
server. Its citizens say what its own training data says (greet, a mood, yes or no, goodbye), so
every reply comes from its own stories and rules.
"""
from __future__ import annotations

import random
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import yaml

from benchmarks.citizens import SMALL_TALK, CitizenScript, Turn
from core.settings import PROJECT_ROOT
from launch.launcher import child_environment
from launch.supervisor import is_healthy, stop_process_group
from tests.support.instance import free_port

STOCK_DIR = PROJECT_ROOT / "var" / "bench" / "stock"
STARTUP_TIMEOUT_SECONDS = 300.0
# Conversations of the stock bot per conversation of the assistant: its conversations are about
# 4 turns, the assistant's about 16, so both runs hold about as many turns.
STOCK_CONVERSATIONS_PER_ASSISTANT_CONVERSATION = 4


def _rasa(args: list[str], cwd: Path, log: Callable[[str], None]) -> None:
    command = [sys.executable, "-m", "rasa", *args]
    log("stock bot: " + " ".join(command[2:]))
    finished = subprocess.run(command, cwd=cwd, env=child_environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"rasa {args[0]} failed in {cwd}:\n{finished.stdout[-4000:]}")


def ensure_stock_bot(log: Callable[[str], None], directory: Path = STOCK_DIR) -> Path:
    """``rasa init --no-prompt`` into ``directory`` unless it holds a trained model; the model's path."""
    models = sorted((directory / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "domain.yml").is_file():
        _rasa(["init", "--no-prompt", "--init-dir", str(directory)], directory, log)
    models = sorted((directory / "models").glob("*.tar.gz"))
    if not models:  # init wrote the project but its training did not leave a model
        _rasa(["train", "--fixed-model-name", "stock"], directory, log)
        models = sorted((directory / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"no stock model in {directory / 'models'}")
    return models[-1]


def stock_examples(directory: Path = STOCK_DIR) -> dict[str, list[str]]:
    """Every intent's examples in the stock bot's data/nlu.yml."""
    data = yaml.safe_load((directory / "data" / "nlu.yml").read_text(encoding="utf-8"))
    examples: dict[str, list[str]] = {}
    for entry in data.get("nlu", []):
        if "intent" in entry:
            lines = [line.strip()[2:].strip() for line in str(entry.get("examples", "")).splitlines()]
            examples[entry["intent"]] = [line for line in lines if line]
    return examples


def stock_conversation(sender_id: str, examples: dict[str, list[str]], rng: random.Random) -> CitizenScript:
    """Greet, a mood; when unhappy, yes or no to "did that help?"; goodbye."""
    turns = [Turn(SMALL_TALK, rng.choice(examples["greet"]))]
    if rng.random() < 0.5:
        turns.append(Turn(SMALL_TALK, rng.choice(examples["mood_great"])))
    else:
        turns.append(Turn(SMALL_TALK, rng.choice(examples["mood_unhappy"])))
        turns.append(Turn(SMALL_TALK, rng.choice(examples[rng.choice(("affirm", "deny"))])))
    turns.append(Turn(SMALL_TALK, rng.choice(examples["goodbye"])))
    return CitizenScript(sender_id, "", tuple(turns))


def stock_scripts(citizens: int, conversations_each: int, seed: int, run_tag: int, sender_prefix: str,
                  directory: Path = STOCK_DIR) -> list[list[CitizenScript]]:
    """For every citizen, the stock conversations they hold one after the other."""
    examples = stock_examples(directory)
    rng = random.Random(f"stock:{seed}:{run_tag}")
    return [[stock_conversation(f"{sender_prefix}-stock-{run_tag}-{citizen:03d}-{k:03d}", examples, rng)
             for k in range(conversations_each)] for citizen in range(citizens)]


@contextmanager
def started_stock_bot(model: Path, log: Callable[[str], None], directory: Path = STOCK_DIR) -> Iterator[tuple[str, int]]:
    """The stock bot's server on a free port: (its URL, its pid); stopped on exit."""
    port = free_port()
    command = [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port),
               "--interface", "127.0.0.1", "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    log_path = directory / "server.log"
    with open(log_path, "w", encoding="utf-8") as log_stream:
        process = subprocess.Popen(command, cwd=directory, env=child_environment(), stdout=log_stream,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            began = time.monotonic()
            while not is_healthy(url + "/"):
                if process.poll() is not None or time.monotonic() - began > STARTUP_TIMEOUT_SECONDS:
                    raise RuntimeError("the stock bot did not start:\n" + log_path.read_text(encoding="utf-8")[-4000:])
                time.sleep(0.5)
            log(f"stock bot ready at {url} in {time.monotonic() - began:.1f} s")
            yield url, process.pid
        finally:
            stop_process_group(process)

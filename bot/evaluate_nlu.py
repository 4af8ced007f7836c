"""Intent classification quality on the held-out test set (never trained on).

    python -m bot.evaluate_nlu [--model PATH] [--data tests/data/nlu_test.yml] [--json OUT]

Prints per-intent precision / recall / F1, the macro-F1, and every misclassified utterance.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.settings import PROJECT_ROOT, load_settings

DEFAULT_TEST_DATA = PROJECT_ROOT / "tests" / "data" / "nlu_test.yml"


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    predicted: str
    confidence: float


def load_test_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file (entity annotations are stripped)."""
    import re

    annotation = re.compile(r"\[([^\]]+)\]\([^)]*\)")
    examples = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append((annotation.sub(r"\1", line[2:].strip()), block["intent"]))
    return examples


async def predict(model_path: Path, examples: list[tuple[str, str]]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    predictions = []
    for text, expected in examples:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append(Prediction(text, expected, intent.get("name") or "", float(intent.get("confidence") or 0.0)))
    return predictions


def intent_report(predictions: list[Prediction]) -> dict:
    """Precision, recall and F1 per intent, and their unweighted mean (macro-F1)."""
    intents = sorted({p.expected for p in predictions})
    true_pos = Counter(p.expected for p in predictions if p.expected == p.predicted)
    predicted = Counter(p.predicted for p in predictions)
    support = Counter(p.expected for p in predictions)
    per_intent = {}
    for intent in intents:
        precision = true_pos[intent] / predicted[intent] if predicted[intent] else 0.0
        recall = true_pos[intent] / support[intent] if support[intent] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {"precision": precision, "recall": recall, "f1": f1, "support": support[intent]}
    macro_f1 = sum(v["f1"] for v in per_intent.values()) / len(per_intent) if per_intent else 0.0
    accuracy = sum(true_pos.values()) / len(predictions) if predictions else 0.0
    return {"macro_f1": macro_f1, "accuracy": accuracy, "intents": per_intent}


def print_report(report: dict, predictions: list[Prediction]) -> None:
    print(f"{'intent':<18}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}")
    for intent, row in report["intents"].items():
        print(f"{intent:<18}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>5}")
    errors = [p for p in predictions if p.expected != p.predicted]
    print(f"\nmisclassified: {len(errors)} of {len(predictions)}")
    for p in errors:
        print(f"  {p.text!r}: expected {p.expected}, got {p.predicted} ({p.confidence:.2f})")
    print(f"\naccuracy {report['accuracy']:.3f}")
    print(f"intent macro-F1 {report['macro_f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.evaluate_nlu", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: the one for the current inputs)")
    parser.add_argument("--data", type=Path, default=DEFAULT_TEST_DATA)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.WARNING)
    if args.model is None:
        from launch.training import ensure_model

        args.model = ensure_model(load_settings())
    predictions = asyncio.run(predict(args.model, load_test_examples(args.data)))
    report = intent_report(predictions)
    print_report(report, predictions)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

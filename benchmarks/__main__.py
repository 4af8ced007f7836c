"""``python -m benchmarks`` (``make bench``): the whole assistant under concurrent citizens, and
retrieval alone, in one table; the figures are also written as JSON.

    python -m benchmarks                      # start the assistant, 1/10/50 citizens, retrieval
    python -m benchmarks --quick              # a short run (1 and 10 citizens, smaller retrieval parts)
    python -m benchmarks --url http://127.0.0.1:5005 --citizens 10   # an assistant already running
    python -m benchmarks --instances 1,2      # 1 Rasa + 1 action server vs 2 + 2 behind nginx (make cluster)
    python -m benchmarks --closed-loop 10,50  # no think time, Rasa's stock bot first as the reference
    python -m benchmarks --closed-loop 10,50 --instances 2   # the same against 2 + 2 servers (make cluster)
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psutil

from benchmarks.assistant import ThinkTime, run_citizens
from benchmarks.citizens import citizen_scripts
from benchmarks.instances import instances_table, measure_instances
from benchmarks.questions import DEV_CASES_FILE, candidate_questions, knowledge_questions
from benchmarks.report import closed_loop_table, render, write_json
from benchmarks.retrieval import RetrievalFigures, measure_retrieval
from benchmarks.servers import ResourceSampler, listening_pid
from benchmarks.stock import (STOCK_CONVERSATIONS_PER_ASSISTANT_CONVERSATION, ensure_stock_bot, started_stock_bot,
                              stock_scripts)
from benchmarks.summary import LoadSummary, summarize_run
from core.settings import PROJECT_ROOT, load_settings
from tests.support.instance import started_instance

log = logging.getLogger("bench")
DEFAULT_JSON = PROJECT_ROOT / "var" / "bench" / "latest.json"


@dataclass(frozen=True)
class LoadPlan:
    citizens: list[int]
    think: ThinkTime
    saturation_citizens: int  # one more run with no think time (0: none)
    conversations: int | None  # per citizen; None: see conversations_each
    question_candidates: int | None
    seed: int
    timeout_seconds: float
    dev_cases: Path


def parse_citizens(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("citizens must be positive integers, e.g. 1,10,50")
    return counts


def parse_think(text: str) -> ThinkTime:
    low, _, high = text.partition("-")
    think = ThinkTime(float(low), float(high or low))
    if think.low < 0 or think.high < think.low:
        raise argparse.ArgumentTypeError("think time must be SECONDS or LOW-HIGH, e.g. 1-3 or 0")
    return think


def conversations_each(citizens: int, plan: LoadPlan) -> int:
    """Conversations each citizen holds in a row: fixed, or 3 up to 10 citizens and fewer above."""
    return plan.conversations or max(1, min(3, 30 // citizens))


def measure_load(rasa_url: str, server_pids: dict[str, int], plan: LoadPlan) -> tuple[list[LoadSummary], dict[str, Any]]:
    candidates = candidate_questions(plan.dev_cases, plan.question_candidates, plan.seed)
    log.info("asking %d candidate questions once (choice and warm-up)", len(candidates))
    questions = asyncio.run(knowledge_questions(rasa_url, candidates, plan.timeout_seconds))
    log.info("%d of them are answered as knowledge questions", len(questions))
    sender_prefix = f"bench-{uuid.uuid4().hex[:8]}"
    runs = [(n, plan.think) for n in plan.citizens]
    if plan.saturation_citizens:
        runs.append((plan.saturation_citizens, ThinkTime(0.0, 0.0)))
    summaries = []
    for run_tag, (citizens, think) in enumerate(runs):
        conversations = conversations_each(citizens, plan)
        scripts = citizen_scripts(citizens, conversations, questions, plan.seed, run_tag, sender_prefix)
        log.info("%d citizens at once, %d conversation(s) each, think time %g-%g s",
                 citizens, conversations, think.low, think.high)
        with ResourceSampler(server_pids) as sampler:
            run = asyncio.run(run_citizens(rasa_url, scripts, think, plan.seed, run_tag, plan.timeout_seconds))
        summary = summarize_run(f"{citizens} citizens, think {think.low:g}-{think.high:g} s", run, sampler.usage())
        log.info("  %d turns, %d errors, p95 %.0f ms", summary.turns, summary.errors, summary.latency.p95_ms or 0)
        summaries.append(summary)
    return summaries, {"candidates": len(candidates), "kept": len(questions)}


def measure_closed_loop_assistant(rasa_url: str, server_pids: dict[str, int], plan: LoadPlan,
                                  counts: list[int]) -> tuple[list[LoadSummary], dict[str, Any]]:
    """The assistant's usual citizens with no think time, at each of ``counts``."""
    closed = LoadPlan(**{**plan.__dict__, "citizens": counts, "think": ThinkTime(0.0, 0.0), "saturation_citizens": 0})
    return measure_load(rasa_url, server_pids, closed)


def measure_stock(plan: LoadPlan, counts: list[int]) -> list[LoadSummary]:
    """Rasa's stock bot (trained once in var/bench/stock) with no think time, at each of ``counts``."""
    model = ensure_stock_bot(log.info)
    sender_prefix = f"bench-{uuid.uuid4().hex[:8]}"
    summaries = []
    no_think = ThinkTime(0.0, 0.0)
    with started_stock_bot(model, log.info) as (url, pid):
        warm_up = stock_scripts(2, 2, plan.seed, 99, sender_prefix)
        asyncio.run(run_citizens(url, warm_up, no_think, plan.seed, 99, plan.timeout_seconds))
        for run_tag, citizens in enumerate(counts):
            conversations = conversations_each(citizens, plan) * STOCK_CONVERSATIONS_PER_ASSISTANT_CONVERSATION
            scripts = stock_scripts(citizens, conversations, plan.seed, run_tag, sender_prefix)
            log.info("stock bot: %d citizens at once, %d conversation(s) each, no think time", citizens, conversations)
            with ResourceSampler({"rasa": pid}) as sampler:
                run = asyncio.run(run_citizens(url, scripts, no_think, plan.seed, run_tag, plan.timeout_seconds))
            summary = summarize_run(f"stock bot, {citizens} citizens, closed loop", run, sampler.usage())
            log.info("  %d turns, %d errors, %.1f turns/s, p95 %.0f ms", summary.turns, summary.errors,
                     summary.turns_per_second, summary.latency.p95_ms or 0)
            summaries.append(summary)
    return summaries


def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+uncommitted changes" if dirty else "")


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="use the assistant running at this Rasa URL instead of starting one")
    parser.add_argument("--action-port", type=int, help="with --url: the action server's port, for its memory "
                        "(default: ACTION_PORT)")
    parser.add_argument("--citizens", type=parse_citizens, help="simulated citizens at once, per run (default 1,10,50; "
                        "--quick: 1,10)")
    parser.add_argument("--think", type=parse_think, default=ThinkTime(1.0, 3.0),
                        help="seconds a citizen waits between a reply and the next message, LOW-HIGH (default 1-3)")
    parser.add_argument("--saturation", type=int, default=10,
                        help="citizens of one more run with no think time, for the throughput limit (0: skip)")
    parser.add_argument("--conversations", type=int, help="conversations each citizen holds in a row "
                        "(default: 3 up to 10 citizens, 1 at 50; --quick: 1)")
    parser.add_argument("--instances", type=parse_citizens, help="compare these numbers of Rasa + action servers "
                        "behind nginx (make cluster), e.g. 1,2; only the load part runs (default citizens 50, "
                        "saturation 10)")
    parser.add_argument("--closed-loop", type=parse_citizens, metavar="COUNTS",
                        help="closed loop (no think time) at these citizen counts, e.g. 10,50: Rasa's stock "
                        "`rasa init` bot first (trained once in var/bench/stock), then the assistant; prints "
                        "turns/s, p50/p95/p99 and errors of both and the ratio; only this part runs (with --instances: "
                        "the assistant as make cluster starts it, per instance count)")
    parser.add_argument("--quick", action="store_true", help="a short run: fewer citizens, questions and retrieval rows")
    parser.add_argument("--no-load", action="store_true", help="skip the end-to-end part")
    parser.add_argument("--no-retrieval", action="store_true", help="skip the retrieval part")
    parser.add_argument("--synthetic-rows", type=int, help="synthetic collection size (default 100000; --quick: 20000)")
    parser.add_argument("--build-copies", type=int, help="knowledge-base copies for the build time (default 5; --quick: 1)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a turn counts as a timeout")
    parser.add_argument("--dev-cases", type=Path, default=DEV_CASES_FILE, help="shared development conversations")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write the JSON (default {DEFAULT_JSON})")
    return parser


def run_closed_loop(args: argparse.Namespace, plan: LoadPlan, settings: Any, result: dict[str, Any]) -> int:
    """``--closed-loop``: the stock bot, then the assistant (started here, or at ``--url``)."""
    result["options"]["closed_loop_citizens"] = args.closed_loop
    stock = measure_stock(plan, args.closed_loop)
    if args.instances:  # the assistant as `make cluster` starts it, once per instance count
        runs = measure_instances(args.instances, lambda url, pids: measure_closed_loop_assistant(
            url, pids, plan, args.closed_loop)[0], log.info)
        result["closed_loop"] = {"stock": [s.as_dict() for s in stock],
                                 "instances": [{"instances": run.instances, "load": [s.as_dict() for s in run.summaries]}
                                               for run in runs]}
        tables = [f"{run.instances} Rasa + {run.instances} action server(s) behind nginx:\n\n"
                  + "\n".join(closed_loop_table(stock, run.summaries)) + "\n" for run in runs]
        return _print_closed_loop(args, result, tables)
    if args.url:
        pids = {name: pid for name, pid in (("rasa", listening_pid(urlparse(args.url).port or 80)),
                                             ("actions", listening_pid(args.action_port or settings.action_port))) if pid}
        assistant, result["questions"] = measure_closed_loop_assistant(args.url.rstrip("/"), pids, plan, args.closed_loop)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-") as data_dir:
            log.info("starting the assistant (data in %s)", data_dir)
            with started_instance(Path(data_dir)) as started:
                log.info("ready in %.1f s", started.startup_seconds)
                assistant, result["questions"] = measure_closed_loop_assistant(
                    started.rasa_url, started.server_pids, plan, args.closed_loop)
    result["closed_loop"] = {"stock": [s.as_dict() for s in stock], "assistant": [s.as_dict() for s in assistant]}
    return _print_closed_loop(args, result, ["\n".join(closed_loop_table(stock, assistant))])


def _print_closed_loop(args: argparse.Namespace, result: dict[str, Any], tables: list[str]) -> int:
    result["machine"]["load_average_after"] = psutil.getloadavg()[0]
    print(f"# Closed loop {result['started_at']}  ({result['machine']['cpu_count']} CPUs, load average before "
          f"{result['machine']['load_average_before']:.2f}, after {result['machine']['load_average_after']:.2f}; "
          f"revision {result['revision']})\n")
    print("\n".join(tables))
    write_json(result, args.json)
    log.info("figures written to %s", args.json)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="[bench] %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)
    settings = load_settings()
    plan = LoadPlan(
        citizens=args.citizens or ([50] if args.instances else [1, 10] if args.quick else [1, 10, 50]),
        think=args.think,
        saturation_citizens=args.saturation,
        conversations=args.conversations or (1 if args.quick else None),
        question_candidates=40 if args.quick else None,
        seed=args.seed,
        timeout_seconds=args.timeout,
        dev_cases=args.dev_cases,
    )
    result: dict[str, Any] = {
        "started_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": {"cpu_count": psutil.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                    "load_average_before": psutil.getloadavg()[0]},
        "options": {"citizens": plan.citizens, "think_seconds": [plan.think.low, plan.think.high],
                    "saturation_citizens": plan.saturation_citizens, "conversations": plan.conversations,
                    "seed": plan.seed, "quick": args.quick,
                    "url": args.url},
    }
    if args.closed_loop:
        return run_closed_loop(args, plan, settings, result)
    if args.instances:
        runs = measure_instances(args.instances, lambda url, pids: measure_load(url, pids, plan)[0], log.info)
        result["instances"] = [{"instances": run.instances, "startup_seconds": round(run.startup_seconds, 2),
                                "load": [s.as_dict() for s in run.summaries]} for run in runs]
        result["machine"]["load_average_after"] = psutil.getloadavg()[0]
        print("\n".join(instances_table(runs)))
        write_json(result, args.json)
        log.info("figures written to %s", args.json)
        return 0
    summaries: list[LoadSummary] = []
    if not args.no_load:
        if args.url:
            action_port = args.action_port or settings.action_port
            pids = {name: pid for name, pid in (("rasa", listening_pid(urlparse(args.url).port or 80)),
                                                 ("actions", listening_pid(action_port))) if pid}
            if len(pids) < 2:
                log.warning("memory unavailable for %s: no visible process listens on its port",
                            ", ".join(n for n in ("rasa", "actions") if n not in pids))
            summaries, result["questions"] = measure_load(args.url.rstrip("/"), pids, plan)
            result["stack"] = {"url": args.url, "startup_seconds": None}
        else:
            with tempfile.TemporaryDirectory(prefix="bench-") as data_dir:
                log.info("starting the assistant (data in %s)", data_dir)
                with started_instance(Path(data_dir)) as started:
                    log.info("ready in %.1f s (+ %.1f s index/model check)", started.startup_seconds, started.prepare_seconds)
                    result["stack"] = {"startup_seconds": round(started.startup_seconds, 2),
                                       "prepare_seconds": round(started.prepare_seconds, 2)}
                    summaries, result["questions"] = measure_load(started.rasa_url, started.server_pids, plan)
        result["load"] = [s.as_dict() for s in summaries]
    retrieval: RetrievalFigures | None = None
    if not args.no_retrieval:
        log.info("retrieval alone (index.bench)")
        retrieval = measure_retrieval(
            settings,
            synthetic_rows=args.synthetic_rows if args.synthetic_rows is not None else (20_000 if args.quick else 100_000),
            build_copies=args.build_copies if args.build_copies is not None else (1 if args.quick else 5),
            query_limit=60 if args.quick else None,
        )
        result["retrieval"] = retrieval.as_dict()
    result["machine"]["load_average_after"] = psutil.getloadavg()[0]
    print(render(result, summaries, retrieval))
    write_json(result, args.json)
    log.info("figures written to %s", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

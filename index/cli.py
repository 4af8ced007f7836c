"""``python -m index build|search|status|eval|bench`` -- see ``python -m index --help``."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings, load_settings

DEFAULT_EVAL_FILE = PROJECT_ROOT / "tests" / "data" / "citizen_eval.yaml"


def _cmd_build(cfg: Settings, args: argparse.Namespace) -> int:
    from .builder import build_index

    report = build_index(cfg, full=args.full)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        return 0
    if report.published:
        print(f"published version {report.version} ({report.index_kind}): {report.documents} documents, "
              f"{report.chunks} chunks, {report.questions} questions in {report.seconds:.1f} s")
        print(f"re-embedded {len(report.embedded_documents)} documents ({report.embedded_texts} texts), "
              f"reused {len(report.reused_documents)} from the cache")
        if report.removed_versions:
            print(f"removed old versions: {', '.join(report.removed_versions)}")
    else:
        print(f"up to date: version {report.version} ({report.documents} documents, {report.chunks} chunks)")
    if report.retired:
        print(f"retired (not indexed): {', '.join(report.retired)}")
    for problem in report.problems:
        print(f"SKIPPED {problem['path']}: {problem['reason']}")
    return 0


def _cmd_status(cfg: Settings, args: argparse.Namespace) -> int:
    from . import store
    from .builder import stale_reasons

    manifest = store.current_manifest(cfg.index_dir)
    reasons = stale_reasons(cfg)
    if args.json:
        print(json.dumps({"manifest": manifest and {k: v for k, v in manifest.items() if k != "files"},
                          "stale": bool(reasons), "reasons": reasons}, ensure_ascii=False, indent=1))
        return 0
    print(f"index directory: {cfg.index_dir}")
    if manifest:
        counts = manifest["counts"]
        print(f"current version: {manifest['version']} (built {manifest['created']}, {manifest['index_kind']})")
        print(f"model: {manifest['model_id']}   chunker: {manifest['chunker_version']}")
        print(f"{counts['documents']} documents, {counts['chunks']} chunks, {counts['questions']} questions")
    else:
        print("current version: none")
    print("stale: " + ("yes" if reasons else "no"))
    for reason in reasons:
        print(f"  {reason}")
    return 1 if reasons and args.check else 0


def _cmd_search(cfg: Settings, args: argparse.Namespace) -> int:
    from .answer import answer_question
    from .searcher import Searcher

    searcher = Searcher(cfg)
    result = searcher.search(args.query, k=args.k, mode=args.mode)
    decision = "confident" if result.confident else "NOT confident (the assistant says it is not sure)"
    print(f"query: {result.query}   version: {result.version}")
    print(f"confidence {result.confidence:.3f} vs threshold {result.threshold:.3f}: {decision}")
    for rank, hit in enumerate(result.hits, 1):
        print(f"{rank}. fused {hit.score:.3f}  dense {hit.dense:.3f}  bm25 {hit.bm25:.2f} (norm {hit.keyword:.3f})  "
              f"{hit.chunk_id}  {hit.title} / {hit.section or '-'}")
        print(f"   {hit.text[:120]}{'…' if len(hit.text) > 120 else ''}")
    answer = answer_question(searcher, args.query, cfg=cfg)
    if answer.confident:
        print(f"answer: {answer.text}")
        print(answer.citation)
        if answer.related_questions:
            print("related: " + " | ".join(answer.related_questions))
    else:
        print("answer: not sure; likely topics: " + " | ".join(answer.suggested_questions))
    return 0


def _cmd_eval(cfg: Settings, args: argparse.Namespace) -> int:
    from .builder import build_index
    from .evaluate import evaluate, format_table, load_eval_set, tune_threshold
    from .searcher import Searcher

    eval_set = load_eval_set(Path(args.file), strict=args.strict).only(args.split)
    build_index(cfg)
    modes = ("hybrid",) if args.hybrid_only else ("keyword", "dense", "hybrid")
    results = evaluate(Searcher(cfg), eval_set, cfg.retrieval_threshold, modes)
    print(format_table(results, eval_set))
    hybrid_records = results["hybrid"][1]
    print(f"threshold tuned on this set for hybrid: {tune_threshold(hybrid_records):.3f} "
          f"(RETRIEVAL_THRESHOLD is {cfg.retrieval_threshold:.3f})")
    if args.misses:
        for mode in modes:
            print(f"\n{mode}: questions whose named passage is not first, or whose reply lacks its facts")
            for question, expected, top, reply in results[mode][1].misses:
                print(f"  {question}\n    expected {expected}\n    got {' | '.join(top)}\n    reply {reply[:160]}")
    return 0


def _cmd_tune(cfg: Settings, args: argparse.Namespace) -> int:
    from .builder import build_index
    from .evaluate import load_eval_set
    from .searcher import Searcher
    from .tuning import format_candidates, search_weights

    eval_set = load_eval_set(Path(args.file)).only(args.split)
    build_index(cfg)
    print(f"{len(eval_set.answerable)} answerable and {len(eval_set.off_topic)} off-topic questions ({args.split} split)")
    if args.confidence:
        from .tuning import fit_confidence

        model, table = fit_confidence(Searcher(cfg), eval_set)
        model.save()
        print(f"confidence model written to index/data/confidence.json: {model.coefficients}, intercept {model.intercept}")
        print(table)
        return 0
    print(format_candidates(search_weights(Searcher(cfg), eval_set)))
    return 0


def _cmd_answers(cfg: Settings, args: argparse.Namespace) -> int:
    from .answer_check import load_cases, report, run
    from .builder import build_index
    from .searcher import Searcher

    build_index(cfg)
    print(report(run(Searcher(cfg), load_cases(Path(args.file)), cfg), verbose=args.show_all))
    return 0


def _cmd_bench(cfg: Settings, args: argparse.Namespace) -> int:
    from .bench import run
    from .builder import build_index
    from .documents import load_documents
    from .evaluate import load_eval_set

    build_index(cfg)
    eval_file = Path(args.file)
    if eval_file.is_file():
        queries = load_eval_set(eval_file).queries
    else:
        queries = [q for d in load_documents(cfg.knowledge_dir).documents for q in d.questions]
    print(run(cfg, queries, args.synthetic, args.build_copies))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description="Knowledge-base index and retrieval.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build a new version if anything changed (incremental)")
    build.add_argument("--full", action="store_true", help="re-embed every document, ignoring the cache")
    build.add_argument("--json", action="store_true", help="print the build report as JSON")
    search = commands.add_parser("search", help="rank passages for a question")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5)
    search.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
    status = commands.add_parser("status", help="current version and whether it is stale")
    status.add_argument("--json", action="store_true")
    status.add_argument("--check", action="store_true", help="exit with status 1 when stale")
    evaluation = commands.add_parser("eval", help="hit@k, MRR and abstention on the retrieval eval set")
    evaluation.add_argument("--file", default=str(DEFAULT_EVAL_FILE))
    evaluation.add_argument("--misses", action="store_true", help="list the questions ranked or answered wrong")
    evaluation.add_argument("--split", choices=("dev", "test", "all"), default="all", help="one split of the set")
    evaluation.add_argument("--hybrid-only", action="store_true", help="skip the BM25-only and dense-only baselines")
    evaluation.add_argument("--strict", action="store_true", help="only the passages named when the questions were written")
    tune = commands.add_parser("tune", help="grid-search the fusion weights on an eval split (prints), or fit the confidence model")
    tune.add_argument("--file", default=str(DEFAULT_EVAL_FILE))
    tune.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    tune.add_argument("--confidence", action="store_true",
                      help="fit the confidence model instead (writes index/data/confidence.json)")
    answers = commands.add_parser("answers", help="do replies contain what they must (answer eval set)")
    answers.add_argument("--file", default=str(PROJECT_ROOT / "tests" / "data" / "answer_eval.yaml"))
    answers.add_argument("--all", dest="show_all", action="store_true", help="show passing answers too")
    bench = commands.add_parser("bench", help="latency, throughput and memory figures")
    bench.add_argument("--file", default=str(DEFAULT_EVAL_FILE), help="queries to time (eval set)")
    bench.add_argument("--synthetic", type=int, default=100_000, help="rows of the synthetic collection (0: skip)")
    bench.add_argument("--build-copies", type=int, default=5,
                       help="copies of the knowledge base for the build-throughput figure (0: skip)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("sentence_transformers", "transformers", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    handlers = {"build": _cmd_build, "search": _cmd_search, "status": _cmd_status, "eval": _cmd_eval,
                "answers": _cmd_answers, "bench": _cmd_bench, "tune": _cmd_tune}
    return handlers[args.command](load_settings(), args)


if __name__ == "__main__":
    sys.exit(main())

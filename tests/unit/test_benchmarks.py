"""The benchmark's own logic (scripts, error rules, index.bench's figures in the table's shape); no timing here."""
from __future__ import annotations

from benchmarks.assistant import Reply, turn_error
from benchmarks.citizens import FORM, KNOWLEDGE, STATUS, TRACKING_PLACEHOLDER, Turn, citizen_scripts
from benchmarks.retrieval import collect_figures
from benchmarks.stats import summarize_seconds
from index.bench import BuildFigures, RealFigures, SyntheticFigures, Timing
from submissions.validation import validate_mobile

QUESTIONS = ["信访事项的办理期限是多久？", "复核是什么意思？", "信访有哪些途径？", "多人走访需要推选代表吗？"]


def test_scripts_are_reproducible_with_unique_senders_and_mobiles() -> None:
    first = citizen_scripts(10, 3, QUESTIONS, seed=7, run_tag=2, sender_prefix="b")
    assert first == citizen_scripts(10, 3, QUESTIONS, seed=7, run_tag=2, sender_prefix="b")
    conversations = [c for citizen in first for c in citizen]
    assert len({c.sender_id for c in conversations}) == len({c.mobile for c in conversations}) == 30
    assert all(validate_mobile(c.mobile).value == c.mobile for c in conversations)


def test_every_conversation_files_a_suggestion_then_checks_its_status() -> None:
    for conversation in citizen_scripts(5, 1, QUESTIONS, seed=1, run_tag=0, sender_prefix="b")[0]:
        kinds = [t.kind for t in conversation.turns]
        end = next(i for i, t in enumerate(conversation.turns) if t.ends_form)
        assert kinds[end - 8:end + 1] == [FORM] * 9 and conversation.turns[end].text == "确认"
        assert kinds[end + 1] == STATUS and TRACKING_PLACEHOLDER in conversation.turns[end + 1].text
        assert conversation.mobile[-4:] in conversation.turns[end + 1].text
        assert KNOWLEDGE in kinds[:end] and kinds.count(KNOWLEDGE) >= 3


def test_turn_errors() -> None:
    answer = Reply([{"text": "您的人民建议已提交成功。\n查询编号：JY20261122WPXPTA"}], 0.1, None)
    assert turn_error(Turn(FORM, "确认", ends_form=True), answer, None) is None
    assert turn_error(Turn(FORM, "确认", ends_form=True), Reply([{"text": "请问您的姓名？"}], 0.1, None), None)
    assert turn_error(Turn(KNOWLEDGE, "?"), Reply([], 0.1, None), None) == "empty reply"
    assert turn_error(Turn(KNOWLEDGE, "?"), Reply([], 30.0, "timeout"), None) == "timeout"
    assert turn_error(Turn(STATUS, "查"), Reply([{"text": "没有找到"}], 0.1, None), "JY20261122WPXPTA")
    assert turn_error(Turn(STATUS, "查"), answer, "JY20261122WPXPTA") is None


def test_index_bench_figures_become_the_table_and_json_figures() -> None:
    real = RealFigures({"documents": 41, "chunks": 236, "rows": 413, "index_kind": "flat"}, 164, 3, [
        Timing("embedding", 15.521, 20.824, 15.53, 492),
        Timing("embedding + search", 18.31, 22.834, 18.31, 492),
        Timing("BM25 only (baseline)", 0.312, 0.42, 0.31, 492),
    ], 1200.0)
    build = BuildFigures(5, 205, 1180, 885, 3500, 264.7)
    synthetic = SyntheticFigures(100_000, 512, 300, [
        Timing("hnsw", 0.97, 11.67, 0.95, 300, {"build_s": 93.0, "recall_at_10": 0.998}),
    ])
    figures = collect_figures(real, build, synthetic)
    assert figures.latency_ms["embedding"] == {"p50_ms": 15.52, "p95_ms": 20.82}
    assert figures.latency_ms["embedding + search"]["p95_ms"] == 22.83
    assert figures.latency_ms["BM25 only (baseline)"]["p50_ms"] == 0.31
    assert figures.latency_ms["hnsw"] == {"p50_ms": 0.97, "p95_ms": 11.67, "build_s": 93.0, "recall_at_10": 0.998}
    assert figures.seconds_per_1000_chunks == 224.3 and figures.synthetic_rows == 100_000
    assert figures.real_collection == {"documents": 41, "chunks": 236, "rows": 413, "index_kind": "flat"}
    # python -m index bench prints the same figures
    assert figures.lines[0].startswith("real knowledge base: 41 documents, 236 chunks, 413 rows (flat)")
    assert any("224.3 s per 1,000 chunks" in line for line in figures.lines)
    assert any(line.strip().startswith("hnsw") and "recall_at_10 0.998" in line for line in figures.lines)


def test_percentiles() -> None:
    summary = summarize_seconds([i / 1000 for i in range(1, 101)])
    assert summary.count == 100 and round(summary.p50_ms, 1) == 50.5 and summary.max_ms == 100.0
    assert summarize_seconds([]).p95_ms is None


def test_prediction_comparison_ignores_only_timestamps() -> None:
    from benchmarks.predictions import comparable

    prediction = {"action": "action_listen", "confidence": 1.0, "policy": "RulePolicy",
                  "events": [{"event": "user_featurization", "timestamp": 1.0, "use_text_for_featurization": False}]}
    later = {**prediction, "events": [{**prediction["events"][0], "timestamp": 2.0}]}
    assert comparable(later) == comparable(prediction)
    assert comparable({**prediction, "confidence": 0.3}) != comparable(prediction)
    assert comparable({**prediction, "policy": "TEDPolicy"}) != comparable(prediction)


def test_longer_conversations_chain_four_stories_without_their_session_starts() -> None:
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered

    from benchmarks.predictions import chained

    def story(intent: str) -> list:
        return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                UserUttered(intent=({"name": intent})), ActionExecuted("action_small_talk")]

    stories = [story(f"intent_{i}") for i in range(6)]
    conversations = chained(stories)
    assert len(conversations) == 2
    assert len(conversations[0]) == 5 + 3 * 3
    assert sum(isinstance(e, SessionStarted) for e in conversations[0]) == 1
    assert [e.intent_name for e in conversations[1] if isinstance(e, UserUttered)] == [f"intent_{i}" for i in range(2, 6)]

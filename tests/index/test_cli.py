"""``python -m index``: build, status, search and eval on the fixture knowledge base."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings
from index.cli import main


def test_build_status_search(kb: Settings, capsys):
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "published version" in out and "re-embedded 3 documents" in out
    assert "retired (not indexed): fx-retired" in out and "SKIPPED" in out and "fx-broken.md" in out

    assert main(["build"]) == 0
    assert "up to date" in capsys.readouterr().out

    assert main(["status", "--check"]) == 0
    assert "stale: no" in capsys.readouterr().out

    assert main(["search", "复查要在多长时间内申请"]) == 0
    out = capsys.readouterr().out
    assert "confident" in out and "NOT confident" not in out
    assert "fused" in out and "dense" in out and "bm25" in out
    assert "来源：《信访工作条例》第三十五条" in out

    assert main(["search", "今天天气怎么样"]) == 0
    assert "NOT confident" in capsys.readouterr().out


def test_eval_prints_the_three_modes(built: Settings, tmp_path: Path, capsys):
    eval_file = tmp_path / "eval.yaml"
    eval_file.write_text(
        "questions:\n"
        "  - q: 对复查结果不服还能怎么办\n    docs: [fx-review]\n"
        "  - q: 建议被采纳有奖励吗\n    docs: [fx-suggestion]\n"
        "off_topic:\n  - 红烧肉怎么做\n",
        encoding="utf-8",
    )
    assert main(["eval", "--file", str(eval_file)]) == 0
    out = capsys.readouterr().out
    for label in ("BM25 only", "dense only", "hybrid", "hit@1", "hit@3", "MRR", "off-topic", "unsure"):
        assert label in out


def test_module_entry_point_runs(built: Settings):
    # status never loads the model, so a real subprocess stays cheap
    completed = subprocess.run(
        [sys.executable, "-m", "index", "status"], cwd=PROJECT_ROOT, env=dict(os.environ),
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "stale: no" in completed.stdout
    (built.knowledge_dir / "fx-review.md").unlink()
    completed = subprocess.run(
        [sys.executable, "-m", "index", "status", "--check"], cwd=PROJECT_ROOT, env=dict(os.environ),
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 1 and "removed: fx-review.md" in completed.stdout

"""Decisive phrases (index/decisive.py): a question naming 受理期限 is about the 15 days."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from core.settings import PROJECT_ROOT
from core.textnorm import normalize
from index.decisive import DECISIVE_BONUS, decided_documents, load_rules, with_decisive_documents_first
from index.fusion import ScoredChunks


@pytest.mark.parametrize("question, documents", [
    ("信访受理期限多长时间", {"xfgzl-acceptance"}),
    ("信访事项的受理时限是几天", {"xfgzl-acceptance"}),  # 时限 is 期限 in the documents' words
    ("信訪事項受理期限是幾天", {"xfgzl-acceptance"}),  # Traditional, normalised first
    ("单位多久告诉我是否受理", {"xfgzl-acceptance"}),
    ("信访事项多久能办完", {"xfgzl-deadline"}),  # 办完 is 办结 in the documents' words
    ("受理期限和办理期限各是多少天", {"xfgzl-acceptance", "xfgzl-deadline"}),
    ("我问的不是多久办完，是多久告诉我受不受理", {"xfgzl-acceptance"}),  # the set-aside clause names nothing
    ("复查要在多少天内提出", set()),
    ("身份证到期换领要多久", set()),
])
def test_questions_naming_a_subject_decide_its_document(question: str, documents: set[str]) -> None:
    assert decided_documents(normalize(question)) == documents


def test_a_decided_document_is_lifted_on_every_passage_and_only_it() -> None:
    fused = np.asarray([0.5, 0.4, 0.45], dtype=np.float32)
    scored = ScoredChunks(fused=fused, dense=fused, keyword=fused, bm25=fused, signals={}, weights={})
    lifted = with_decisive_documents_first(scored, "信访受理期限多长时间", ["xfgzl-deadline", "xfgzl-acceptance", "xfgzl-acceptance"])
    assert lifted.fused == pytest.approx([0.5, 0.4 + DECISIVE_BONUS, 0.45 + DECISIVE_BONUS])
    assert lifted.bonus is not None and lifted.bonus == pytest.approx([0.0, DECISIVE_BONUS, DECISIVE_BONUS])
    assert with_decisive_documents_first(scored, "今天天气怎么样", ["xfgzl-acceptance"] * 3) is scored


def test_every_rule_names_a_document_of_the_knowledge_base_and_compiles() -> None:
    documents = {path.stem for path in (PROJECT_ROOT / "knowledge").rglob("*.md")}
    rules = load_rules()
    assert rules and all(doc_id in documents and isinstance(pattern, re.Pattern) for doc_id, pattern in rules)


def test_a_malformed_rule_line_is_named(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# comment\nxfgzl-acceptance 受理期限\n", encoding="utf-8")  # a space, not a tab
    with pytest.raises(ValueError, match="rules.txt:2"):
        load_rules(rules)

"""Builds: incremental re-embedding, staleness, skipped documents, model switch, old versions."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from core.settings import Settings
from index import Searcher, build_index, is_stale
from index import store
from index.builder import stale_reasons
from index.domain import off_topic_training


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_first_build_embeds_every_active_document_and_skips_retired_and_broken(kb: Settings):
    assert is_stale(kb)
    report = build_index(kb)
    assert report.published
    assert sorted(report.embedded_documents) == ["fx-channels", "fx-review", "fx-suggestion"]
    assert report.reused_documents == []
    assert report.retired == ["fx-retired"]
    assert [Path(p["path"]).name for p in report.problems] == ["fx-broken.md"]
    assert "YAML" in report.problems[0]["reason"]
    assert report.chunks == 10 and report.questions == 9
    headed = 9  # chunks under a heading: their heading is embedded too
    # ... and the off-topic training questions of the in-domain model (cached after this build)
    assert report.embedded_texts == 2 * report.chunks + headed + report.questions + len(off_topic_training())
    assert not is_stale(kb)

    manifest = store.current_manifest(kb.index_dir)
    assert (store.version_path(kb.index_dir, manifest["version"]) / store.DOMAIN).is_file()
    assert set(manifest["documents"]) == {"fx-channels", "fx-review", "fx-suggestion"}
    assert manifest["model_id"].startswith("m3e-small@")
    result = Searcher(kb).search("旧办法规定的受理期限是多少？", k=10)
    assert {hit.doc_id for hit in result.hits} <= {"fx-channels", "fx-review", "fx-suggestion"}


def test_nothing_changed_means_no_new_version(built: Settings):
    version = store.current_version(built.index_dir)
    report = build_index(built)
    assert not report.published and report.version == version
    assert store.current_version(built.index_dir) == version


def test_changing_one_document_re_embeds_only_that_document(built: Settings):
    _append(built.knowledge_dir / "fx-suggestion.md", "\n## 办理答复\n\n建议办理后，办公室会把结果告诉建议人。\n")
    assert stale_reasons(built) == ["changed: fx-suggestion.md"]
    report = build_index(built)
    assert report.published
    assert report.embedded_documents == ["fx-suggestion"]
    assert sorted(report.reused_documents) == ["fx-channels", "fx-review"]
    assert report.embedded_texts == 3 * 4 + 3  # its four chunks (three views) and three questions, nothing else
    hits = Searcher(built).search("建议办理后会告诉我结果吗").hits
    assert hits[0].doc_id == "fx-suggestion" and "结果告诉建议人" in hits[0].text


def test_full_build_re_embeds_everything(built: Settings):
    report = build_index(built, full=True)
    assert report.published and report.reused_documents == []
    assert len(report.embedded_documents) == 3


def test_retiring_and_breaking_documents_removes_them_without_failing_the_build(built: Settings):
    review = built.knowledge_dir / "fx-review.md"
    review.write_text(review.read_text(encoding="utf-8").replace("tags:", "status: retired\ntags:"), encoding="utf-8")
    (built.knowledge_dir / "fx-channels.md").write_text("---\ntitle: 没有结束的前置信息\n", encoding="utf-8")
    report = build_index(built)
    assert report.published
    assert sorted(report.retired) == ["fx-retired", "fx-review"]
    assert sorted(Path(p["path"]).name for p in report.problems) == ["fx-broken.md", "fx-channels.md"]
    assert set(store.current_manifest(built.index_dir)["documents"]) == {"fx-suggestion"}
    assert {h.doc_id for h in Searcher(built).search("复查要在多长时间内申请", k=10).hits} == {"fx-suggestion"}


def test_switching_the_model_re_embeds_everything(built: Settings, tmp_path: Path):
    # Same weights under another configuration: a different model id, so nothing is reused.
    original = Path(built.embedding_model)
    other = tmp_path / "other-model"
    other.mkdir()
    for item in original.iterdir():
        if item.name == "config.json":
            config = json.loads(item.read_text(encoding="utf-8"))
            config["_copied_for_test"] = True
            (other / item.name).write_text(json.dumps(config), encoding="utf-8")
        else:
            (other / item.name).symlink_to(item)
    switched = dataclasses.replace(built, embedding_model=str(other))
    assert any("embedding model changed" in reason for reason in stale_reasons(switched))
    report = build_index(switched)
    assert report.published and report.reused_documents == []
    assert store.current_manifest(built.index_dir)["model_id"].startswith("other-model@")


def test_old_versions_are_collected_but_the_current_one_is_kept(built: Settings):
    suggestion = built.knowledge_dir / "fx-suggestion.md"
    for n in range(store.KEEP_VERSIONS + 2):
        _append(suggestion, f"\n第{n}次补充说明。\n")
        build_index(built)
    versions = sorted(p.name for p in store.versions_dir(built.index_dir).iterdir())
    assert len(versions) == store.KEEP_VERSIONS
    assert store.current_version(built.index_dir) == versions[-1]
    # cache entries of collected versions are gone: one per document of the kept versions, and
    # their off-topic training questions (index/domain.py)
    manifests = [store.read_manifest(store.version_path(built.index_dir, name)) for name in versions]
    kept_keys = {doc["cache_key"] for manifest in manifests for doc in manifest["documents"].values()}
    kept_keys |= {manifest["off_topic_cache_key"] for manifest in manifests}
    assert {p.stem for p in store.cache_dir(built.index_dir).glob("*.npz")} == kept_keys


def test_hnsw_can_be_forced(kb: Settings):
    report = build_index(dataclasses.replace(kb, index_kind="hnsw"))
    assert report.index_kind == "hnsw"
    hits = Searcher(kb).search("多人走访要推选几个代表").hits
    assert hits[0].chunk_id == "fx-channels#2"


def test_empty_knowledge_base_builds_an_empty_index(kb: Settings):
    for path in kb.knowledge_dir.glob("*.md"):
        path.unlink()
    report = build_index(kb)
    assert report.published and report.chunks == 0
    result = Searcher(kb).search("复查要多久")
    assert result.hits == [] and not result.confident

"""The staff JSON API against a real knowledge base, real index builds and the real model."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from core.settings import PROJECT_ROOT
from index import Searcher
from submissions.models import AuditEventRow
from tests.staff.support import OTHER_TOKEN, SAMPLE_DOCUMENTS, TOKEN, auth, document_text, wait_published, web_app
from web.staff.auth import FailedLogins

NEW_ID = "test-community-council"
FACT = "测试专用：松柏社区议事会每月第二个周三下午召开。"
QUESTION = "松柏社区议事会什么时候召开？"
NEW_DOC = document_text(
    "测试专用：松柏社区议事会的召开时间",
    f"## 召开时间\n\n{FACT}会议地点在社区活动中心二楼。",
    questions=[QUESTION, "松柏社区议事会每月几号开会？", "松柏社区议事会在哪里开会？"],
)

ROUTES = [
    ("GET", "/api/session"), ("GET", "/api/documents"), ("GET", "/api/documents/xfgzl-review"),
    ("PUT", "/api/documents/xfgzl-review"), ("DELETE", "/api/documents/xfgzl-review"),
    ("GET", "/api/documents/xfgzl-review/history"), ("GET", "/api/documents/xfgzl-review/history/1"),
    ("POST", "/api/documents/xfgzl-review/rollback"), ("POST", "/api/documents/xfgzl-review/enable"),
    ("POST", "/api/uploads"), ("POST", "/api/search"),
    ("GET", "/api/index"), ("POST", "/api/index/rebuild"), ("GET", "/api/audit"),
]


async def create(client, doc_id: str = NEW_ID, text: str = NEW_DOC, token: str = TOKEN):
    return await client.put(f"/api/documents/{doc_id}", json={"content": text, "note": "新建测试文档"},
                            headers={**auth(token), "If-None-Match": "*"})


async def get_doc(client, doc_id: str) -> dict:
    response = await client.get(f"/api/documents/{doc_id}", headers=auth())
    assert response.status == 200
    return (await response.json())["document"]


async def search(client, query: str) -> dict:
    response = await client.post("/api/search", json={"query": query}, headers=auth())
    assert response.status == 200
    return await response.json()


# --- authentication ------------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", ROUTES)
async def test_every_route_needs_a_staff_token(client, method, path):
    for headers in ({}, auth("wrong-token"), {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "},
                    auth(TOKEN + "x"), auth(TOKEN[:-1])):
        response = await client.request(method, path, headers=headers, json={})
        assert response.status == 401, (method, path, headers)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = await response.json()
        assert body["error"] == "unauthorized" and "令牌" in body["message"]


async def test_wrong_tokens_lock_the_address_out_whatever_it_presents_next(client):
    guesses = [await client.get("/api/session", headers=auth(f"guess-{number:024d}")) for number in range(30)]
    assert [r.status for r in guesses] == [401] * 10 + [429] * 20
    locked = await client.get("/api/session", headers={**auth(), "X-Forwarded-For": "198.51.100.9"})
    assert locked.status == 429 and 0 < int(locked.headers["Retry-After"]) <= 60
    body = await locked.json()
    assert body["error"] == "too_many_attempts" and body["message"] == "令牌错误次数过多，请 1 分钟后再试。"


async def test_requests_without_a_token_are_not_counted_as_guesses(client):
    for _ in range(20):
        assert (await client.get("/api/session")).status == 401
    assert (await client.get("/api/session", headers=auth())).status == 200


def test_a_locked_address_waits_longer_after_each_further_wrong_token_and_others_are_not_locked():
    failed, now = FailedLogins(), datetime(2026, 11, 29, tzinfo=timezone.utc)
    for _ in range(10):
        failed.record("203.0.113.7", now)
    assert failed.seconds_blocked("203.0.113.7", now) == 60 and failed.seconds_blocked("198.51.100.2", now) == 0
    later = now + timedelta(seconds=61)
    assert failed.seconds_blocked("203.0.113.7", later) == 0
    failed.record("203.0.113.7", later)
    assert failed.seconds_blocked("203.0.113.7", later) == 120


def test_the_web_service_refuses_to_start_with_a_short_token():
    env = {**os.environ, "STAFF_TOKENS": "tester:short-token", "WEB_PORT": "1"}
    result = subprocess.run([sys.executable, "-m", "web"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "工作人员“tester”的令牌只有 11 个字符，至少需要 24 个" in result.stderr and "short-token" not in result.stderr


async def test_a_token_identifies_its_staff_member(client):
    for token, name in ((TOKEN, "tester"), (OTHER_TOKEN, "reviewer")):
        response = await client.get("/api/session", headers=auth(token))
        assert response.status == 200
        assert await response.json() == {"name": name}
        assert response.headers["Cache-Control"] == "no-store"


async def test_nothing_is_changed_without_a_token(client, kb):
    before = (kb.knowledge_dir / "xfgzl-review.md").read_bytes()
    response = await client.put("/api/documents/xfgzl-review", json={"content": NEW_DOC})
    assert response.status == 401
    response = await client.put(f"/api/documents/{NEW_ID}", json={"content": NEW_DOC}, headers=auth("nope"))
    assert response.status == 401
    assert (kb.knowledge_dir / "xfgzl-review.md").read_bytes() == before
    assert not (kb.knowledge_dir / f"{NEW_ID}.md").exists()


# --- reading -------------------------------------------------------------------------------------

async def test_list_documents(client):
    response = await client.get("/api/documents", headers=auth())
    assert response.status == 200
    documents = (await response.json())["documents"]
    assert [d["id"] for d in documents] == sorted(SAMPLE_DOCUMENTS)
    review = next(d for d in documents if d["id"] == "xfgzl-review")
    assert review["title"] == "对信访处理意见不服：申请复查"
    assert review["source"] == "信访工作条例" and review["region"] == "全国" and review["status"] == "active"
    assert review["updated"] and len(review["revision"]) == 20 and "content" not in review


async def test_get_document_returns_its_markdown_and_revision(client, kb):
    response = await client.get("/api/documents/xfgzl-review", headers=auth())
    assert response.status == 200
    document = (await response.json())["document"]
    assert document["content"] == (kb.knowledge_dir / "xfgzl-review.md").read_text(encoding="utf-8")
    assert response.headers["ETag"] == f'"{document["revision"]}"'


async def test_unknown_document_is_404(client):
    for path in ("/api/documents/no-such-doc", "/api/documents/no-such-doc/history"):
        response = await client.get(path, headers=auth())
        assert response.status == 404
        assert "没有找到" in (await response.json())["message"]


@pytest.mark.parametrize("bad_id", [
    "ab", "x" * 65, "Upper-Case", "has.dot", "..", "-leading", "with_underscore", "中文编号", "a%20b",
    "xfgzl-review.md", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "abc%00def", "abc%0A",
])
async def test_bad_ids_are_refused_before_touching_files(client, kb, bad_id):
    files_before = sorted(p.name for p in kb.knowledge_dir.iterdir())
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, f"/api/documents/{bad_id}", json={"content": NEW_DOC},
                                        headers={**auth(), "If-None-Match": "*"})
        # 400 from the id check, or 404 when the router does not even match (an encoded slash)
        assert response.status in (400, 404), (method, bad_id, response.status)
        if response.status == 400:
            assert "文档编号" in (await response.json())["message"]
    assert sorted(p.name for p in kb.knowledge_dir.iterdir()) == files_before
    assert not (kb.knowledge_dir.parent / "etc").exists()


async def test_path_traversal_cannot_reach_outside(client, kb, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("top secret", encoding="utf-8")
    for path in ("/api/documents/..%2Fsecret", "/api/documents/%2E%2E%2Fsecret", "/api/documents/../secret"):
        response = await client.get(path, headers=auth())
        assert response.status in (400, 404)
        assert "top secret" not in await response.text()


# --- creating, updating, publishing --------------------------------------------------------------

async def test_create_publishes_and_search_finds_it(client, kb):
    before = await search(client, QUESTION)
    assert all(FACT not in hit["text"] for hit in before["hits"])

    response = await create(client)
    assert response.status == 201
    body = await response.json()
    assert body["created"] and body["changed"] and body["revision_number"] == 1
    assert body["document"]["id"] == NEW_ID and body["document"]["status"] == "active"
    assert response.headers["ETag"] == f'"{body["document"]["revision"]}"'
    assert (kb.knowledge_dir / f"{NEW_ID}.md").read_text(encoding="utf-8") == NEW_DOC

    published = await wait_published(client, body["publish"]["ticket"])
    assert published.status["version"] != before["version"]
    assert NEW_ID in published.status["last_build"]["embedded_documents"]
    # only the new document went through the model: the build is incremental
    assert published.status["last_build"]["embedded_documents"] == [NEW_ID]

    result = await search(client, QUESTION)
    assert result["version"] == published.status["version"]
    assert result["confident"] and result["answer"]["doc_id"] == NEW_ID
    assert "第二个周三" in result["answer"]["text"]
    assert result["answer"]["citation"].startswith("来源：")
    assert result["hits"][0]["doc_id"] == NEW_ID


async def test_search_is_exactly_what_the_assistant_ranks(client, kb):
    result = await search(client, "对信访处理意见不服怎么办？")
    reference = Searcher(kb).search("对信访处理意见不服怎么办？", k=5)
    assert result["version"] == reference.version
    assert [h["chunk_id"] for h in result["hits"]] == [h.chunk_id for h in reference.hits]
    assert [h["score"] for h in result["hits"]] == [round(h.score, 4) for h in reference.hits]
    assert result["confident"] == reference.confident and result["threshold"] == reference.threshold
    assert result["answer"]["doc_id"] == "xfgzl-review"
    for key in ("score", "dense", "keyword", "bm25", "text", "title", "section", "citation", "rank"):
        assert key in result["hits"][0]


async def test_search_input_is_checked(client):
    cases = [({"query": ""}, 422), ({"query": "   "}, 422), ({}, 422), ({"query": 5}, 400),
             ({"query": "问" * 501}, 422), ({"query": "复查", "k": 0}, 400), ({"query": "复查", "k": "3"}, 400)]
    for payload, status in cases:
        response = await client.post("/api/search", json=payload, headers=auth())
        assert response.status == status, payload
        assert (await response.json())["message"]
    response = await client.post("/api/search", data=b"{not json", headers=auth())
    assert response.status == 400
    response = await client.post("/api/search", data=json.dumps([1, 2]), headers=auth())
    assert response.status == 400
    response = await client.post("/api/search", data=b"x" * (17 * 1024), headers=auth())
    assert response.status == 413


async def test_without_the_action_server_search_and_grouping_say_so_in_chinese(aiohttp_client, kb):
    """The web service holds no model: with the action server unreachable, the staff get a 503
    that says what is wrong, not a 500 (and the service keeps serving the rest)."""
    from dataclasses import replace

    from tests.support.stack import free_port
    from web.app import create_app

    client = await aiohttp_client(create_app(replace(kb, action_port=free_port())))  # nothing listens there
    for method, path, payload in (("POST", "/api/search", {"query": "信访事项的办理期限"}),
                                  ("GET", "/api/unanswered/groups", None)):
        response = await client.request(method, path, json=payload, headers=auth())
        assert response.status == 503, path
        body = await response.json()
        assert body["error"] == "model_unavailable" and "动作服务器" in body["message"], body
    assert (await client.get("/api/documents", headers=auth())).status == 200


async def test_creating_an_existing_id_is_a_conflict(client, kb):
    before = (kb.knowledge_dir / "xfgzl-review.md").read_bytes()
    current = (await get_doc(client, "xfgzl-review"))["revision"]
    for headers in ({"If-None-Match": "*"}, {}):
        response = await client.put("/api/documents/xfgzl-review", json={"content": NEW_DOC},
                                    headers={**auth(), **headers})
        assert response.status == 409
        body = await response.json()
        assert body["current_revision"] == current and "已被使用" in body["message"]
    assert (kb.knowledge_dir / "xfgzl-review.md").read_bytes() == before


async def test_update_with_the_current_revision(client, kb):
    document = await get_doc(client, "xfgzl-deadline")
    changed = document["content"].replace("\n## ", "\n## 补充说明\n\n测试专用：本节为测试补充。\n\n## ", 1)
    response = await client.put("/api/documents/xfgzl-deadline", data=changed.encode(),
                                headers={**auth(), "Content-Type": "text/markdown",
                                         "If-Match": f'"{document["revision"]}"'})
    assert response.status == 200
    body = await response.json()
    assert body["changed"] and not body["created"]
    assert body["document"]["revision"] != document["revision"]
    assert (kb.knowledge_dir / "xfgzl-deadline.md").read_text(encoding="utf-8") == changed
    # the repository's original is kept as revision 1, the change is revision 2
    history = (await (await client.get("/api/documents/xfgzl-deadline/history", headers=auth())).json())["history"]
    assert [(h["number"], h["action"], h["actor"]) for h in history] == [(2, "update", "tester"), (1, "import", "system")]
    assert history[1]["revision"] == document["revision"]
    await wait_published(client, body["publish"]["ticket"])


async def test_saving_the_same_content_changes_nothing(client):
    document = await get_doc(client, "xfgzl-review")
    response = await client.put("/api/documents/xfgzl-review", json={
        "content": document["content"], "base_revision": document["revision"]}, headers=auth())
    assert response.status == 200
    body = await response.json()
    assert body["changed"] is False and body["publish"] is None
    history = await client.get("/api/documents/xfgzl-review/history", headers=auth())
    assert (await history.json())["history"] == []


async def test_two_staff_editing_at_once_get_a_conflict_not_an_overwrite(client, kb):
    seen = await get_doc(client, "xfgzl-channels")
    mine = seen["content"].replace("---\n\n", "---\n\n## 测试专用甲\n\n甲的修改。\n\n", 1)
    theirs = seen["content"].replace("---\n\n", "---\n\n## 测试专用乙\n\n乙的修改。\n\n", 1)
    first = await client.put("/api/documents/xfgzl-channels", json={
        "content": mine, "base_revision": seen["revision"]}, headers=auth(TOKEN))
    assert first.status == 200
    second = await client.put("/api/documents/xfgzl-channels", json={
        "content": theirs, "base_revision": seen["revision"]}, headers=auth(OTHER_TOKEN))
    assert second.status == 409
    body = await second.json()
    assert body["current_revision"] == (await first.json())["document"]["revision"]
    assert "已被他人修改" in body["message"]
    assert (kb.knowledge_dir / "xfgzl-channels.md").read_text(encoding="utf-8") == mine


async def test_simultaneous_saves_on_the_same_revision_let_exactly_one_through(client, kb):
    seen = await get_doc(client, "rmjy-what-is")
    versions = [seen["content"].replace("---\n\n", f"---\n\n## 测试专用{n}\n\n第{n}位的修改。\n\n", 1) for n in range(4)]
    responses = await asyncio.gather(*[
        client.put("/api/documents/rmjy-what-is", json={"content": text, "base_revision": seen["revision"]},
                   headers=auth()) for text in versions])
    statuses = sorted(r.status for r in responses)
    assert statuses == [200, 409, 409, 409]
    winner = versions[[r.status for r in responses].index(200)]
    assert (kb.knowledge_dir / "rmjy-what-is.md").read_text(encoding="utf-8") == winner


async def test_a_stale_or_malformed_precondition(client, kb):
    before = (kb.knowledge_dir / "xfgzl-review.md").read_bytes()
    for headers, status in (({"If-Match": '"0000000000"'}, 409), ({"If-Match": "*"}, 400),
                            ({"If-Match": '"a", "b"'}, 400),
                            ({"If-Match": '"x"', "If-None-Match": "*"}, 400)):
        response = await client.put("/api/documents/xfgzl-review", json={"content": NEW_DOC},
                                    headers={**auth(), **headers})
        assert response.status == status, headers
    response = await client.put(f"/api/documents/{NEW_ID}", json={"content": NEW_DOC},
                                headers={**auth(), "If-Match": '"0000000000"'})
    assert response.status == 409 and (await response.json())["current_revision"] is None
    assert (kb.knowledge_dir / "xfgzl-review.md").read_bytes() == before
    assert not (kb.knowledge_dir / f"{NEW_ID}.md").exists()


@pytest.mark.parametrize("text,expected", [
    ("只有正文，没有文件头。", "缺少文件头"),
    ("---\ntitle: [未闭合\n---\n正文。", "格式有误"),
    (NEW_DOC.replace("source: 测试专用文件\n", ""), "来源文件（source）"),
    (NEW_DOC.replace("issuer: 测试机关\n", ""), "发布机关（issuer）"),
    (NEW_DOC.replace("date: 2024-03-01", "date: 2024年3月1日"), "日期（date）"),
    (NEW_DOC.replace("date: 2024-03-01", "date: 2024-13-01"), "日期"),
    (NEW_DOC.replace("region: 上海市\n", ""), "适用地区（region）"),
    (NEW_DOC.replace("tags: [测试专用]", "tags: []"), "标签（tags）"),
    (NEW_DOC.replace("  - 松柏社区议事会每月几号开会？\n  - 松柏社区议事会在哪里开会？\n", ""), "现在有 1 个"),
    (document_text("三十一个问题", "## 正文\n\n内容。", questions=[f"问题{i}？" for i in range(31)]), "现在有 31 个"),
    (NEW_DOC.replace("---\n\n## 召开时间", "unknown_field: 1\n---\n\n## 召开时间"), "无法识别的字段"),
    (NEW_DOC.replace("---\n\n## 召开时间", "status: deleted\n---\n\n## 召开时间"), "状态（status）"),
    (NEW_DOC.split("\n---\n")[0] + "\n---\n\n   \n", "正文不能为空"),
    (NEW_DOC.replace("召开时间\n", "召开时间\x00\n"), "控制字符"),
    ("---\n- 一\n- 二\n---\n正文。", "字段: 值"),
    ("---\ntitle: !!python/object/apply:os.system ['true']\n---\n正文。", "格式有误"),
])
async def test_invalid_documents_are_refused_with_clear_reasons(client, kb, text, expected):
    response = await create(client, text=text)
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "invalid_document"
    assert any(expected in problem for problem in body["problems"]), body["problems"]
    assert not (kb.knowledge_dir / f"{NEW_ID}.md").exists()


async def test_an_invalid_update_loses_nothing(client, kb):
    document = await get_doc(client, "xfgzl-review")
    before = (kb.knowledge_dir / "xfgzl-review.md").read_bytes()
    response = await client.put("/api/documents/xfgzl-review", json={
        "content": "---\ntitle: 坏了\n---\n", "base_revision": document["revision"]}, headers=auth())
    assert response.status == 422
    assert len((await response.json())["problems"]) >= 5
    assert (kb.knowledge_dir / "xfgzl-review.md").read_bytes() == before
    assert (await get_doc(client, "xfgzl-review"))["revision"] == document["revision"]


async def test_malformed_put_bodies(client, kb):
    headers = {**auth(), "If-None-Match": "*"}
    huge = NEW_DOC + "## 附录\n\n" + "很长的正文。" * 200_000  # > 1 MB
    response = await client.put(f"/api/documents/{NEW_ID}", data=huge.encode(),
                                headers={**headers, "Content-Type": "text/markdown"})
    assert response.status == 413 and "过大" in (await response.json())["message"]
    response = await client.put(f"/api/documents/{NEW_ID}", json={"content": huge}, headers=headers)
    assert response.status == 413
    response = await client.put(f"/api/documents/{NEW_ID}", data=NEW_DOC.encode("gb18030"),
                                headers={**headers, "Content-Type": "text/markdown"})
    assert response.status == 400 and "UTF-8" in (await response.json())["message"]
    response = await client.put(f"/api/documents/{NEW_ID}", data=b"<xml/>",
                                headers={**headers, "Content-Type": "application/xml"})
    assert response.status == 415
    response = await client.put(f"/api/documents/{NEW_ID}", data=b"{oops", headers={
        **headers, "Content-Type": "application/json"})
    assert response.status == 400
    response = await client.put(f"/api/documents/{NEW_ID}", json={"content": ["list"]}, headers=headers)
    assert response.status == 400
    response = await client.put(f"/api/documents/{NEW_ID}", json={"content": NEW_DOC, "note": "很" * 201},
                                headers=headers)
    assert response.status == 422
    assert not (kb.knowledge_dir / f"{NEW_ID}.md").exists()


async def test_markdown_in_a_document_is_stored_as_text(client, kb):
    hostile = document_text('<script>alert("x")</script>标题', '## <img src=x onerror=alert(1)>\n\n正文里的 <b>标签</b> 原样保存。')
    response = await create(client, text=hostile)
    assert response.status == 201
    document = await get_doc(client, NEW_ID)
    assert document["title"] == '<script>alert("x")</script>标题'
    assert document["content"] == hostile
    assert response.headers["Content-Type"].startswith("application/json")
    await wait_published(client, (await response.json())["publish"]["ticket"])


# --- retiring, history, rollback ------------------------------------------------------------------

async def test_retire_needs_the_current_revision(client, kb):
    before = (kb.knowledge_dir / "hotline-12345.md").read_bytes()
    response = await client.delete("/api/documents/hotline-12345", headers=auth())
    assert response.status == 428 and "If-Match" in (await response.json())["message"]
    response = await client.delete("/api/documents/hotline-12345", headers={**auth(), "If-Match": '"stale"'})
    assert response.status == 409
    response = await client.delete("/api/documents/no-such-doc", headers={**auth(), "If-Match": '"x"'})
    assert response.status == 404
    assert (kb.knowledge_dir / "hotline-12345.md").read_bytes() == before


async def test_retire_removes_the_answer_and_rollback_restores_it(client, kb):
    created = await create(client)
    await wait_published(client, (await created.json())["publish"]["ticket"])
    assert (await search(client, QUESTION))["answer"]["doc_id"] == NEW_ID
    revision = (await created.json())["document"]["revision"]

    retired = await client.delete(f"/api/documents/{NEW_ID}", json={"note": "测试停用"},
                                  headers={**auth(OTHER_TOKEN), "If-Match": f'"{revision}"'})
    assert retired.status == 200
    body = await retired.json()
    assert body["document"]["status"] == "retired" and body["revision_number"] == 2
    text = (kb.knowledge_dir / f"{NEW_ID}.md").read_text(encoding="utf-8")
    assert "status: retired" in text and FACT in text  # marked, not deleted
    published = await wait_published(client, body["publish"]["ticket"])
    assert NEW_ID in published.status["last_build"]["retired"]
    result = await search(client, QUESTION)
    assert all(hit["doc_id"] != NEW_ID for hit in result["hits"])
    assert result["answer"] is None or "第二个周三" not in result["answer"]["text"]
    listed = (await (await client.get("/api/documents", headers=auth())).json())["documents"]
    assert next(d for d in listed if d["id"] == NEW_ID)["status"] == "retired"

    again = await client.delete(f"/api/documents/{NEW_ID}", headers={
        **auth(), "If-Match": f'"{body["document"]["revision"]}"'})
    assert again.status == 200 and (await again.json())["changed"] is False

    history = await client.get(f"/api/documents/{NEW_ID}/history", headers=auth())
    entries = (await history.json())["history"]
    assert [(e["number"], e["action"], e["actor"], e["status"]) for e in entries] == [
        (2, "retire", "reviewer", "retired"), (1, "create", "tester", "active")]
    assert entries[0]["note"] == "测试停用"
    first = await client.get(f"/api/documents/{NEW_ID}/history/1", headers=auth())
    assert (await first.json())["content"] == NEW_DOC

    rolled = await client.post(f"/api/documents/{NEW_ID}/rollback", json={
        "to": 1, "base_revision": body["document"]["revision"], "note": "误停用"}, headers=auth())
    assert rolled.status == 200
    rolled_body = await rolled.json()
    assert rolled_body["revision_number"] == 3 and rolled_body["document"]["status"] == "active"
    assert rolled_body["document"]["revision"] == revision
    assert (kb.knowledge_dir / f"{NEW_ID}.md").read_text(encoding="utf-8") == NEW_DOC
    await wait_published(client, rolled_body["publish"]["ticket"])
    result = await search(client, QUESTION)
    assert result["answer"]["doc_id"] == NEW_ID and "第二个周三" in result["answer"]["text"]
    entries = (await (await client.get(f"/api/documents/{NEW_ID}/history", headers=auth())).json())["history"]
    assert entries[0]["action"] == "rollback" and entries[0]["note"] == "回滚到第 1 版：误停用"


async def test_enable_takes_a_retired_document_back(client, kb):
    created = await create(client)
    revision = (await created.json())["document"]["revision"]
    retired = await client.delete(f"/api/documents/{NEW_ID}", headers={**auth(), "If-Match": f'"{revision}"'})
    retired_revision = (await retired.json())["document"]["revision"]
    response = await client.post(f"/api/documents/{NEW_ID}/enable", headers=auth())
    assert response.status == 428 and "If-Match" in (await response.json())["message"]
    response = await client.post(f"/api/documents/{NEW_ID}/enable", headers={**auth(), "If-Match": f'"{revision}"'})
    assert response.status == 409

    enabled = await client.post(f"/api/documents/{NEW_ID}/enable", json={
        "base_revision": retired_revision, "note": "恢复使用"}, headers=auth(OTHER_TOKEN))
    assert enabled.status == 200
    body = await enabled.json()
    assert body["document"]["status"] == "active" and body["revision_number"] == 3
    text = (kb.knowledge_dir / f"{NEW_ID}.md").read_text(encoding="utf-8")
    assert "status: active" in text and "status: retired" not in text and FACT in text
    await wait_published(client, body["publish"]["ticket"])
    assert (await search(client, QUESTION))["answer"]["doc_id"] == NEW_ID

    again = await client.post(f"/api/documents/{NEW_ID}/enable", headers={
        **auth(), "If-Match": f'"{body["document"]["revision"]}"'})
    assert again.status == 200 and (await again.json())["changed"] is False
    entries = (await (await client.get(f"/api/documents/{NEW_ID}/history", headers=auth())).json())["history"]
    assert [(e["number"], e["action"], e["actor"]) for e in entries][0] == (3, "enable", "reviewer")
    events = (await (await client.get(f"/api/audit?doc_id={NEW_ID}", headers=auth())).json())["events"]
    assert (events[0]["action"], events[0]["revision_number"], events[0]["note"]) == ("knowledge.enable", 3, "恢复使用")


async def test_full_width_commas_and_enumeration_commas_separate_tags(client, kb):
    from index.documents import parse_document

    text = NEW_DOC.replace("tags: [测试专用]", "tags: [搬迁，接待地点、窗口, 测试专用]")
    response = await create(client, text=text)
    assert response.status == 201
    assert (await response.json())["document"]["tags"] == ["搬迁", "接待地点", "窗口", "测试专用"]
    document = parse_document(NEW_ID, (kb.knowledge_dir / f"{NEW_ID}.md").read_bytes())
    assert document.tags == ("搬迁", "接待地点", "窗口", "测试专用")  # what the index uses
    await wait_published(client, (await response.json())["publish"]["ticket"])


async def test_rollback_of_a_repository_document_to_its_original(client, kb):
    original = (kb.knowledge_dir / "xfgzl-review.md").read_bytes()
    document = await get_doc(client, "xfgzl-review")
    edited = document["content"].replace("30日内", "45日内")
    response = await client.put("/api/documents/xfgzl-review", json={
        "content": edited, "base_revision": document["revision"]}, headers=auth())
    assert response.status == 200
    current = (await response.json())["document"]["revision"]
    rolled = await client.post("/api/documents/xfgzl-review/rollback", json={"to": 1},
                               headers={**auth(), "If-Match": f'"{current}"'})
    assert rolled.status == 200
    assert (kb.knowledge_dir / "xfgzl-review.md").read_bytes() == original
    await wait_published(client, (await rolled.json())["publish"]["ticket"])


async def test_rollback_input_is_checked(client, kb):
    document = await get_doc(client, "xfgzl-review")
    edit = await client.put("/api/documents/xfgzl-review", json={
        "content": document["content"] + "\n补充一句测试内容。\n", "base_revision": document["revision"]},
        headers=auth())
    current = (await edit.json())["document"]["revision"]
    before = (kb.knowledge_dir / "xfgzl-review.md").read_bytes()
    cases = [
        ({"to": 1}, {}, 428),
        ({"to": 1, "base_revision": document["revision"]}, {}, 409),
        ({"to": 99, "base_revision": current}, {}, 404),
        ({"to": 0, "base_revision": current}, {}, 400),
        ({"to": "abc", "base_revision": current}, {}, 400),
        ({"to": True, "base_revision": current}, {}, 400),
        ({"base_revision": current}, {}, 400),
    ]
    for payload, headers, status in cases:
        response = await client.post("/api/documents/xfgzl-review/rollback", json=payload,
                                     headers={**auth(), **headers})
        assert response.status == status, payload
        assert (await response.json())["message"]
    assert (kb.knowledge_dir / "xfgzl-review.md").read_bytes() == before
    for path in ("/api/documents/xfgzl-review/history/99", "/api/documents/no-such-doc/history/1"):
        assert (await client.get(path, headers=auth())).status == 404
    assert (await client.get("/api/documents/xfgzl-review/history/abc", headers=auth())).status == 400
    await wait_published(client, (await edit.json())["publish"]["ticket"])


async def test_an_edit_made_outside_the_console_is_kept_in_the_history(client, kb):
    document = await get_doc(client, "xfgzl-review")
    first = await client.put("/api/documents/xfgzl-review", json={
        "content": document["content"] + "\n控制台的修改。\n", "base_revision": document["revision"]}, headers=auth())
    assert first.status == 200
    outside = (kb.knowledge_dir / "xfgzl-review.md").read_text(encoding="utf-8") + "\n编辑器外的修改。\n"
    (kb.knowledge_dir / "xfgzl-review.md").write_text(outside, encoding="utf-8")
    # the outside edit changed the revision: a save based on the console's last revision conflicts
    stale = await client.put("/api/documents/xfgzl-review", json={
        "content": document["content"], "base_revision": (await first.json())["document"]["revision"]},
        headers=auth())
    assert stale.status == 409
    fresh = await get_doc(client, "xfgzl-review")
    response = await client.put("/api/documents/xfgzl-review", json={
        "content": document["content"], "base_revision": fresh["revision"]}, headers=auth())
    assert response.status == 200
    entries = (await (await client.get("/api/documents/xfgzl-review/history", headers=auth())).json())["history"]
    assert [e["action"] for e in entries] == ["update", "external", "update", "import"]
    kept = await client.get(f"/api/documents/xfgzl-review/history/{entries[1]['number']}", headers=auth())
    assert (await kept.json())["content"] == outside
    await wait_published(client, (await response.json())["publish"]["ticket"])


# --- publishing status, broken documents, build failures ------------------------------------------

async def test_index_status_reports_progress_fields(client):
    response = await client.get("/api/index", headers=auth())
    assert response.status == 200
    status = await response.json()
    assert status["state"] == "idle" and status["version"] and status["stale"] is False
    for key in ("requested", "completed", "progress", "last_error", "last_build", "message", "pending_changes"):
        assert key in status
    rebuild = await client.post("/api/index/rebuild", headers=auth())
    assert rebuild.status == 202
    published = await wait_published(client, (await rebuild.json())["publish"]["ticket"])
    assert published.status["state"] == "idle" and published.status["last_build"]["published"] is False


async def test_a_broken_document_does_not_take_the_index_down(client, kb):
    (kb.knowledge_dir / "broken-notice.md").write_text("---\ntitle: [坏的\n---\n正文。", encoding="utf-8")
    status = await (await client.get("/api/index", headers=auth())).json()
    assert status["stale"] and "added: broken-notice.md" in status["pending_changes"]
    assert status["state"] == "idle" and status["message"] == "知识库有改动尚未收录进索引"
    created = await create(client)
    published = await wait_published(client, (await created.json())["publish"]["ticket"])
    problems = published.status["last_build"]["problems"]
    assert [p["doc_id"] for p in problems] == ["broken-notice"]
    assert str(kb.knowledge_dir) not in json.dumps(problems)  # no server paths shown
    assert (await search(client, QUESTION))["answer"]["doc_id"] == NEW_ID
    listed = (await (await client.get("/api/documents", headers=auth())).json())["documents"]
    broken = next(d for d in listed if d["id"] == "broken-notice")
    assert broken["status"] == "invalid" and "跳过" in broken["problem"]


async def test_a_failed_build_is_shown_and_the_old_version_stays(aiohttp_client, kb):
    from dataclasses import replace

    client = await aiohttp_client(web_app(replace(kb, embedding_model=str(kb.data_dir / "no-such-model"))))
    version_before = (await (await client.get("/api/index", headers=auth())).json())["version"]
    created = await create(client)
    assert created.status == 201  # the document is saved even though the index cannot be built
    ticket = (await created.json())["publish"]["ticket"]
    while True:
        status = await (await client.get("/api/index", headers=auth())).json()
        if status["state"] == "failed":
            break
        assert status["completed"] < ticket
        await asyncio.sleep(0.2)
    assert "索引更新失败" in status["last_error"] and status["version"] == version_before
    assert status["completed"] < ticket
    assert (kb.knowledge_dir / f"{NEW_ID}.md").exists()


# --- audit ----------------------------------------------------------------------------------------

async def test_the_audit_log_records_who_changed_what(client, kb):
    created = await create(client)
    revision = (await created.json())["document"]["revision"]
    retired = await client.delete(f"/api/documents/{NEW_ID}", headers={**auth(OTHER_TOKEN), "If-Match": f'"{revision}"'})
    assert retired.status == 200
    response = await client.get(f"/api/audit?doc_id={NEW_ID}", headers=auth())
    events = (await response.json())["events"]
    assert [(e["actor"], e["action"]) for e in events] == [
        ("reviewer", "knowledge.retire"), ("tester", "knowledge.create")]
    assert events[1]["detail"].startswith(f"{NEW_ID} 第1版 {revision}") and "新建测试文档" in events[1]["detail"]
    # what the console shows: the document, its version number and the note (not the revision tag)
    assert [(e["doc_id"], e["revision_number"], e["note"]) for e in events] == [
        (NEW_ID, 2, ""), (NEW_ID, 1, "新建测试文档")]
    # the same table as the submission store's audit events, in DATABASE_URL
    engine = create_engine(kb.database_url, future=True)
    with Session(engine) as session:
        rows = session.execute(select(AuditEventRow).where(AuditEventRow.action.like("knowledge.%"))).scalars().all()
    engine.dispose()
    assert {(row.actor, row.action) for row in rows} == {("tester", "knowledge.create"), ("reviewer", "knowledge.retire")}
    assert (await client.get("/api/audit?limit=0", headers=auth())).status == 400
    assert (await client.get("/api/audit?doc_id=../x", headers=auth())).status == 400
    await wait_published(client, (await retired.json())["publish"]["ticket"])


FORGED_NOTE = "ok\n2026-11-29 09:00:00 INFO web.staff.audit: audit: knowledge.update by 管理员 (全部文档)\x1b[2J"


async def test_a_note_that_would_forge_log_lines_is_refused_and_nothing_is_changed(client, kb, caplog):
    as_json = await client.put(f"/api/documents/{NEW_ID}", json={"content": NEW_DOC, "note": FORGED_NOTE},
                               headers={**auth(), "If-None-Match": "*"})
    as_query = await client.put(f"/api/documents/{NEW_ID}", params={"note": "第一行\r第二行"}, data=NEW_DOC.encode(),
                                headers={**auth(), "If-None-Match": "*", "Content-Type": "text/markdown"})
    current = await get_doc(client, "xfgzl-review")
    retired = await client.delete("/api/documents/xfgzl-review", json={"note": "\u202e停用", "base_revision": current["revision"]},
                                  headers=auth())
    for response in (as_json, as_query, retired):
        assert response.status == 422
        body = await response.json()
        assert body["error"] == "control_characters" and "不能有换行、制表符或其他控制字符" in body["message"]
    assert (await client.get(f"/api/documents/{NEW_ID}", headers=auth())).status == 404
    assert (await get_doc(client, "xfgzl-review"))["status"] == "active"
    assert (await (await client.get("/api/audit", headers=auth())).json())["events"] == []
    assert "\x1b" not in caplog.text and "INFO web.staff.audit: audit: knowledge.update by 管理员" not in caplog.text


def test_every_audit_log_line_is_one_line(kb, caplog):
    from web.staff.audit import AuditLog

    audit = AuditLog(kb.database_url)
    with caplog.at_level("INFO", logger="web.staff.audit"):
        audit.record("tester\n伪造", "update", FORGED_NOTE + " 13912345678")
    audit.close()
    (line,) = [record.getMessage() for record in caplog.records]
    assert "\n" not in line and "\x1b" not in line and "13912345678" not in line
    assert line.endswith("\\x1b[2J 139****5678)")


# --- the console page -----------------------------------------------------------------------------

async def test_the_console_page_is_served_with_a_strict_policy(client):
    response = await client.get("/staff/")
    assert response.status == 200
    html = await response.text()
    assert "工作人员登录" in html and 'src="/staff/static/console.js"' in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    script = await client.get("/staff/static/console.js")
    assert script.status == 200 and "textContent" in await script.text()
    assert "innerHTML" not in await script.text()
    shared = await client.get("/staff/static/staff-common.js")  # imported as an ES module: must be served as JavaScript
    assert shared.status == 200 and "javascript" in shared.headers["Content-Type"]
    assert shared.headers["Cache-Control"] == "no-store" and "innerHTML" not in await shared.text()
    redirect = await client.get("/staff", allow_redirects=False)
    assert redirect.status == 302 and redirect.headers["Location"] == "/staff/"
    assert (await client.get("/staff/static/../api.py")).status in (403, 404)

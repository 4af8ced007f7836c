// 知识库管理控制台：纯 JavaScript，无需构建。页面上的所有内容都通过 textContent 显示，从不把文字当作 HTML 解析。
"use strict";

const TOKEN_KEY = "staffToken";
const STATUS_LABELS = { active: "使用中", retired: "已停用", invalid: "有问题，未收录" };
const ACTION_LABELS = {
  import: "原始版本", external: "外部修改", create: "新建", update: "修改", retire: "停用", rollback: "回滚",
  "knowledge.create": "新建", "knowledge.update": "修改", "knowledge.retire": "停用",
  "knowledge.rollback": "回滚", "knowledge.rebuild": "重建索引",
};
const NEW_TEMPLATE = [
  "---", "title: ", "source: ", "issuer: ", "date: ", "region: ", "tags: []", "questions:",
  "  - ", "  - ", "  - ", "---", "", "## 小标题（第几条）", "", "正文……", "",
].join("\n");

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  documents: [],
  current: null, // {id, revision, isNew}
  waitingFor: 0, // the publish ticket the console waits for
  pollTimer: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("zh-CN", { hour12: false });
}

function showMessage(id, text, kind) {
  const node = $(id);
  node.textContent = text || "";
  node.className = "message" + (kind ? " " + kind : "");
}

// --- the API --------------------------------------------------------------------------------

class ApiFailure extends Error {
  constructor(status, data) {
    super((data && data.message) || `请求失败（${status}），请稍后再试。`);
    this.status = status;
    this.data = data || {};
  }
}

async function api(method, path, { json, body, headers } = {}) {
  const request = { method, headers: { Authorization: `Bearer ${state.token}`, ...(headers || {}) } };
  if (json !== undefined) {
    request.headers["Content-Type"] = "application/json";
    request.body = JSON.stringify(json);
  } else if (body !== undefined) {
    request.body = body;
  }
  let response;
  try {
    response = await fetch(path, request);
  } catch (error) {
    throw new ApiFailure(0, { message: "无法连接服务器，请检查网络后重试。" });
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (response.status === 401) {
    logout("登录已失效或令牌不正确，请重新输入令牌。");
    throw new ApiFailure(401, data);
  }
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

// --- login ----------------------------------------------------------------------------------

async function login(token) {
  state.token = token;
  try {
    const session = await api("GET", "/api/session");
    sessionStorage.setItem(TOKEN_KEY, token);
    $("staff-name").textContent = session.name;
    $("who").hidden = false;
    $("login").hidden = true;
    $("app").hidden = false;
    showMessage("login-message", "");
    await Promise.all([loadDocuments(), refreshIndexStatus()]);
  } catch (error) {
    if (error.status !== 401) showMessage("login-message", error.message, "error");
  }
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.current = null;
  $("app").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  $("token").value = "";
  showMessage("login-message", message || "", message ? "error" : "");
}

// --- documents ------------------------------------------------------------------------------

async function loadDocuments() {
  const data = await api("GET", "/api/documents");
  state.documents = data.documents;
  renderDocumentList();
}

function renderDocumentList() {
  const list = $("document-list");
  const filter = $("filter").value.trim().toLowerCase();
  list.replaceChildren();
  for (const doc of state.documents) {
    if (filter && !doc.id.includes(filter) && !doc.title.toLowerCase().includes(filter)) continue;
    const button = el("button");
    button.type = "button";
    button.dataset.id = doc.id;
    button.append(el("span", doc.title || doc.id));
    button.append(el("span", STATUS_LABELS[doc.status] || doc.status, `badge ${doc.status}`));
    button.append(el("span", doc.id, "doc-id"));
    if (state.current && state.current.id === doc.id) button.classList.add("selected");
    button.addEventListener("click", () => openDocument(doc.id));
    const item = el("li");
    item.append(button);
    list.append(item);
  }
  if (!list.children.length) list.append(el("li", "没有符合条件的文档。", "muted"));
}

function showEditor(heading) {
  $("editor").hidden = false;
  $("editor-heading").textContent = heading;
  showMessage("editor-message", "");
  $("problem-list").replaceChildren();
  $("history-preview-box").hidden = true;
}

async function openDocument(id) {
  try {
    const data = await api("GET", `/api/documents/${encodeURIComponent(id)}`);
    fillEditor(data.document);
    renderDocumentList();
    await loadHistory(id);
  } catch (error) {
    showMessage("editor-message", error.message, "error");
  }
}

function fillEditor(doc) {
  state.current = { id: doc.id, revision: doc.revision, isNew: false };
  showEditor(doc.title || doc.id);
  $("doc-id").value = doc.id;
  $("doc-id").readOnly = true;
  $("doc-content").value = doc.content;
  $("change-note").value = "";
  const by = doc.updated_by ? `，修改人：${doc.updated_by}` : "";
  $("doc-meta").textContent =
    `状态：${STATUS_LABELS[doc.status] || doc.status}；来源：${doc.source || "（未填写）"}；` +
    `地区：${doc.region || "（未填写）"}；最后更新：${formatTime(doc.updated)}${by}`;
  $("doc-problem").hidden = !doc.problem;
  $("doc-problem").textContent = doc.problem || "";
  $("retire").hidden = doc.status === "retired";
}

function newDocument(content, suggestedId) {
  state.current = { id: null, revision: null, isNew: true };
  showEditor("新建文档");
  $("doc-id").value = suggestedId || "";
  $("doc-id").readOnly = false;
  $("doc-content").value = content || NEW_TEMPLATE;
  $("change-note").value = "";
  $("doc-meta").textContent = "填写文档编号和内容后点击“保存并发布”。";
  $("doc-problem").hidden = true;
  $("retire").hidden = true;
  $("history-list").replaceChildren(el("li", "新文档还没有历史版本。", "muted"));
  renderDocumentList();
}

function setBusy(busy) {
  for (const id of ["save", "retire", "reload"]) $(id).disabled = busy;
}

async function saveDocument() {
  if (!state.current) return;
  const id = state.current.isNew ? $("doc-id").value.trim() : state.current.id;
  if (!id) {
    showMessage("editor-message", "请填写文档编号。", "error");
    return;
  }
  const payload = { content: $("doc-content").value, note: $("change-note").value.trim() };
  const headers = {};
  if (state.current.isNew) headers["If-None-Match"] = "*";
  else payload.base_revision = state.current.revision;
  setBusy(true);
  $("problem-list").replaceChildren();
  try {
    const data = await api("PUT", `/api/documents/${encodeURIComponent(id)}`, { json: payload, headers });
    fillEditor(data.document);
    afterChange(data, data.changed ? `已保存为第 ${data.revision_number} 版，正在发布……` : "内容没有变化，无需保存。");
    await Promise.all([loadDocuments(), loadHistory(id)]);
  } catch (error) {
    reportChangeError(error);
  } finally {
    setBusy(false);
  }
}

async function retireDocument() {
  if (!state.current || state.current.isNew) return;
  if (!window.confirm("停用后，助手将不再使用这份文档回答问题（可随时通过回滚恢复）。确定停用吗？")) return;
  setBusy(true);
  try {
    const id = state.current.id;
    const data = await api("DELETE", `/api/documents/${encodeURIComponent(id)}`, {
      json: { base_revision: state.current.revision, note: $("change-note").value.trim() },
    });
    fillEditor(data.document);
    afterChange(data, "已停用，正在更新索引……");
    await Promise.all([loadDocuments(), loadHistory(id)]);
  } catch (error) {
    reportChangeError(error);
  } finally {
    setBusy(false);
  }
}

function reportChangeError(error) {
  if (error.status === 409) {
    showMessage("editor-message",
      `${error.message}\n您在编辑框中的内容仍保留着，可先复制保存，再点击“重新载入”查看最新版本。`, "error");
  } else {
    showMessage("editor-message", error.message, "error");
  }
  const problems = $("problem-list");
  problems.replaceChildren();
  for (const problem of error.data.problems || []) problems.append(el("li", problem));
}

function afterChange(data, message) {
  showMessage("editor-message", message, "ok");
  if (data.publish) waitForPublish(data.publish.ticket);
}

// Remember the change being published; the status bar says "已发布" once it is live.
function waitForPublish(ticket) {
  state.waitingFor = Math.max(state.waitingFor, ticket);
  $("index-status").dataset.waiting = String(state.waitingFor);
  $("index-state").textContent = "正在发布……";
  schedulePoll(300);
}

// --- history and rollback -------------------------------------------------------------------

async function loadHistory(id) {
  const list = $("history-list");
  try {
    const data = await api("GET", `/api/documents/${encodeURIComponent(id)}/history`);
    list.replaceChildren();
    if (!data.history.length) list.append(el("li", "这份文档还没有在控制台中修改过。", "muted"));
    for (const entry of data.history) list.append(historyItem(id, entry, data.revision));
  } catch (error) {
    list.replaceChildren(el("li", error.message, "message error"));
  }
}

function historyItem(id, entry, currentRevision) {
  const item = el("li");
  item.dataset.number = entry.number;
  const note = entry.note ? `（${entry.note}）` : "";
  item.append(el("span", `第 ${entry.number} 版 · ${formatTime(entry.at)} · ${ACTION_LABELS[entry.action] || entry.action}` +
    ` · ${entry.actor} · ${STATUS_LABELS[entry.status] || entry.status}${note}`));
  if (entry.revision === currentRevision) item.append(el("span", "当前版本", "badge"));
  const view = el("button", "查看");
  view.type = "button";
  view.addEventListener("click", () => previewRevision(id, entry.number));
  item.append(view);
  if (entry.revision !== currentRevision) {
    const rollback = el("button", "回滚到此版");
    rollback.type = "button";
    rollback.className = "rollback";
    rollback.addEventListener("click", () => rollbackTo(id, entry.number));
    item.append(rollback);
  }
  return item;
}

async function previewRevision(id, number) {
  try {
    const data = await api("GET", `/api/documents/${encodeURIComponent(id)}/history/${number}`);
    $("history-preview-box").hidden = false;
    $("history-preview-heading").textContent = `第 ${number} 版的内容`;
    $("history-preview").textContent = data.content;
  } catch (error) {
    showMessage("editor-message", error.message, "error");
  }
}

async function rollbackTo(id, number) {
  if (!window.confirm(`确定把文档恢复为第 ${number} 版并重新发布吗？当前内容会保留在历史版本中。`)) return;
  setBusy(true);
  try {
    const data = await api("POST", `/api/documents/${encodeURIComponent(id)}/rollback`, {
      json: { to: number, base_revision: state.current.revision, note: $("change-note").value.trim() },
    });
    fillEditor(data.document);
    afterChange(data, `已恢复为第 ${number} 版的内容，正在发布……`);
    await Promise.all([loadDocuments(), loadHistory(id)]);
  } catch (error) {
    reportChangeError(error);
  } finally {
    setBusy(false);
  }
}

// --- uploads --------------------------------------------------------------------------------

async function uploadFile(file) {
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  showEditor("上传的文件");
  showMessage("editor-message", `正在读取 ${file.name}……`);
  try {
    const data = await api("POST", "/api/uploads", { body: form });
    newDocument(data.content, data.suggested_id);
    showMessage("editor-message", data.message, "ok");
  } catch (error) {
    showMessage("editor-message", error.message, "error");
  } finally {
    $("upload-file").value = "";
  }
}

// --- index status ---------------------------------------------------------------------------

function schedulePoll(delay) {
  clearTimeout(state.pollTimer);
  state.pollTimer = setTimeout(refreshIndexStatus, delay);
}

async function refreshIndexStatus() {
  if (!state.token) return;
  let status;
  try {
    status = await api("GET", "/api/index");
  } catch (error) {
    $("index-state").textContent = error.message;
    schedulePoll(5000);
    return;
  }
  const bar = $("index-status");
  const busy = ["queued", "checking", "building", "loading"].includes(status.state);
  bar.classList.toggle("busy", busy);
  bar.classList.toggle("failed", status.state === "failed");
  bar.dataset.state = status.state;
  bar.dataset.completed = status.completed;
  let text = status.message;
  if (busy && status.progress.elapsed_seconds !== null) text += `（已用 ${Math.round(status.progress.elapsed_seconds)} 秒）`;
  if (!busy && state.waitingFor && status.completed >= state.waitingFor) {
    text = "已发布：助手已开始使用最新内容。";
    state.waitingFor = 0;
    bar.dataset.waiting = "0";
  } else if (state.waitingFor && status.state === "failed") {
    text = "发布失败：文档已保存，但索引未能更新，助手仍在使用上一版。";
  }
  $("index-state").textContent = text;
  const details = [];
  if (status.version) details.push(`当前版本 ${status.version}`);
  if (status.progress.changes.length && busy) details.push(`本次改动 ${status.progress.changes.length} 处`);
  if (status.last_error) details.push(status.last_error);
  if (!busy && status.stale) details.push("有尚未收录的改动，可点击“重建索引”。");
  const problems = (status.last_build && status.last_build.problems) || [];
  if (problems.length) details.push(`有 ${problems.length} 份文档无法读取，已跳过：${problems.map((p) => p.doc_id).join("、")}`);
  $("index-detail").textContent = details.join("；");
  if (busy || state.waitingFor) schedulePoll(1000);
}

async function rebuildIndex() {
  try {
    const data = await api("POST", "/api/index/rebuild");
    waitForPublish(data.publish.ticket);
  } catch (error) {
    $("index-state").textContent = error.message;
  }
}

// --- search preview -------------------------------------------------------------------------

async function runSearch(query) {
  const hits = $("search-hits");
  hits.replaceChildren();
  $("search-answer").hidden = true;
  if (!query) {
    showMessage("search-message", "请输入要搜索的问题。", "error");
    return;
  }
  showMessage("search-message", "正在搜索……");
  try {
    const data = await api("POST", "/api/search", { json: { query } });
    $("search-answer").hidden = false;
    if (data.answer) {
      $("answer-text").textContent = data.answer.text;
      $("answer-citation").textContent = data.answer.citation;
      showMessage("search-message", `把握度 ${data.confidence.toFixed(2)}（阈值 ${data.threshold.toFixed(2)}），助手会这样回答：`, "ok");
    } else {
      $("answer-text").textContent = "助手没有足够把握，会请群众换个说法，或提供人工服务渠道。";
      $("answer-citation").textContent = "";
      showMessage("search-message", `把握度 ${data.confidence.toFixed(2)}，低于阈值 ${data.threshold.toFixed(2)}。`);
    }
    for (const hit of data.hits) {
      const item = el("li");
      item.dataset.docId = hit.doc_id;
      item.append(el("strong", `${hit.title}${hit.section ? " · " + hit.section : ""}`));
      item.append(el("div", hit.text));
      item.append(el("div", `${hit.citation}；文档 ${hit.doc_id}`, "muted small"));
      item.append(el("div",
        `综合得分 ${hit.score.toFixed(3)} · 语义 ${hit.dense.toFixed(3)} · 关键词 ${hit.keyword.toFixed(3)}`, "scores"));
      hits.append(item);
    }
  } catch (error) {
    showMessage("search-message", error.message, "error");
  }
}

// --- audit log ------------------------------------------------------------------------------

async function loadAudit() {
  const rows = $("audit-rows");
  try {
    const data = await api("GET", "/api/audit?limit=200");
    rows.replaceChildren();
    for (const event of data.events) {
      const row = el("tr");
      row.append(el("td", formatTime(event.at)), el("td", event.actor),
        el("td", ACTION_LABELS[event.action] || event.action), el("td", event.detail));
      rows.append(row);
    }
    if (!data.events.length) {
      const row = el("tr");
      row.append(el("td", "暂无记录。"));
      rows.append(row);
    }
  } catch (error) {
    const row = el("tr");
    row.append(el("td", error.message));
    rows.replaceChildren(row);
  }
}

// --- wiring ---------------------------------------------------------------------------------

function selectTab(button) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const selected = tab === button;
    tab.setAttribute("aria-selected", String(selected));
    $(tab.dataset.panel).hidden = !selected;
  }
  if (button.dataset.panel === "audit-panel") loadAudit();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) login(token);
  });
  $("logout").addEventListener("click", () => logout());
  $("filter").addEventListener("input", renderDocumentList);
  $("new-document").addEventListener("click", () => newDocument());
  $("upload-file").addEventListener("change", (event) => uploadFile(event.target.files[0]));
  $("save").addEventListener("click", saveDocument);
  $("retire").addEventListener("click", retireDocument);
  $("reload").addEventListener("click", () => state.current && !state.current.isNew && openDocument(state.current.id));
  $("rebuild").addEventListener("click", rebuildIndex);
  $("refresh-audit").addEventListener("click", loadAudit);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch($("query").value.trim());
  });
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => selectTab(tab));
  if (state.token) login(state.token);
});

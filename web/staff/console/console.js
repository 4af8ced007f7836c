// 知识库管理控制台：纯 JavaScript，无需构建。页面上的所有内容都通过 textContent 显示，从不把文字当作 HTML 解析。
import { $, api, el, formatTime, isSignedIn, showMessage, startStaffPage } from "./staff-common.js";

const STATUS_LABELS = { active: "使用中", retired: "已停用", invalid: "有问题，未收录" };
const ACTION_LABELS = {
  import: "原始版本", external: "外部修改", create: "新建", update: "修改", retire: "停用", enable: "启用",
  rollback: "回滚",
  "knowledge.create": "新建", "knowledge.update": "修改", "knowledge.retire": "停用", "knowledge.enable": "启用",
  "knowledge.rollback": "回滚", "knowledge.rebuild": "重建索引",
};
const NEW_TEMPLATE = [
  "---", "title: ", "source: ", "issuer: ", "date: ", "region: ", "tags: []", "questions:",
  "  - ", "  - ", "  - ", "---", "", "## 小标题（第几条）", "", "正文……", "",
].join("\n");

const state = {
  documents: [],
  current: null, // {id, revision, isNew, retired, content}
  waitingFor: 0, // the publish ticket the console waits for
  editorNote: null, // {ticket, id, pending, done, failed}: the editor's message about a change being published
  pollTimer: null,
};

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

function showTags(tags) {
  const box = $("doc-tags");
  box.replaceChildren();
  box.hidden = !tags || !tags.length;
  if (box.hidden) return;
  box.append(el("span", `标签（${tags.length} 个）：`));
  for (const tag of tags) box.append(el("span", tag, "tag"));
}

function fillEditor(doc) {
  const retired = doc.status === "retired";
  state.current = { id: doc.id, revision: doc.revision, isNew: false, retired, content: doc.content };
  showEditor(doc.title || doc.id);
  $("doc-id").value = doc.id;
  $("doc-id").readOnly = true;
  $("doc-content").value = doc.content;
  $("doc-content").readOnly = retired;
  $("change-note").value = "";
  const by = doc.updated_by ? `，修改人：${doc.updated_by}` : "";
  $("doc-meta").textContent =
    `状态：${STATUS_LABELS[doc.status] || doc.status}；来源：${doc.source || "（未填写）"}；` +
    `地区：${doc.region || "（未填写）"}；最后更新：${formatTime(doc.updated)}${by}`;
  showTags(doc.tags);
  $("doc-problem").hidden = !doc.problem;
  $("doc-problem").textContent = doc.problem || "";
  $("retired-notice").hidden = !retired;
  $("editor").dataset.retired = String(retired);
  $("retire").hidden = retired;
  $("enable").hidden = !retired;
  setBusy(false);
}

function newDocument(content, suggestedId) {
  state.current = { id: null, revision: null, isNew: true, retired: false, content: "" };
  showEditor("新建文档");
  $("doc-id").value = suggestedId || "";
  $("doc-id").readOnly = false;
  $("doc-content").value = content || NEW_TEMPLATE;
  $("doc-content").readOnly = false;
  $("change-note").value = "";
  $("doc-meta").textContent = "填写文档编号和内容后点击“保存并发布”。";
  showTags([]);
  $("doc-problem").hidden = true;
  $("retired-notice").hidden = true;
  $("editor").dataset.retired = "false";
  $("retire").hidden = true;
  $("enable").hidden = true;
  showHistoryMessage("新文档还没有历史版本。");
  setBusy(false);
  renderDocumentList();
}

// A retired document cannot be saved as it is: it is enabled first (then edited), or rolled back.
function setBusy(busy) {
  for (const id of ["retire", "enable", "reload"]) $(id).disabled = busy;
  $("save").disabled = busy || Boolean(state.current && state.current.retired);
}

async function saveDocument() {
  if (!state.current || state.current.retired) return;
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
    if (data.changed) {
      const saved = `已保存为第 ${data.revision_number} 版`;
      afterChange(data, {
        pending: `${saved}，正在发布……`,
        done: `${saved}并已发布：助手已开始使用新内容。`,
        failed: `${saved}，但发布失败：助手仍在使用上一版。请稍后点击“重建索引”重试。`,
      });
    } else {
      showMessage("editor-message", "内容没有变化，无需保存。", "ok");
    }
    await Promise.all([loadDocuments(), loadHistory(id)]);
  } catch (error) {
    reportChangeError(error);
  } finally {
    setBusy(false);
  }
}

async function changeStatus(method, path, question, messages) {
  if (!state.current || state.current.isNew) return;
  if (!window.confirm(question)) return;
  setBusy(true);
  try {
    const id = state.current.id;
    const data = await api(method, `/api/documents/${encodeURIComponent(id)}${path}`, {
      json: { base_revision: state.current.revision, note: $("change-note").value.trim() },
    });
    fillEditor(data.document);
    afterChange(data, messages);
    await Promise.all([loadDocuments(), loadHistory(id)]);
  } catch (error) {
    reportChangeError(error);
  } finally {
    setBusy(false);
  }
}

function retireDocument() {
  return changeStatus("DELETE", "", "停用后，助手将不再使用这份文档回答问题（可随时点击“启用此文档”恢复）。确定停用吗？", {
    pending: "已停用，正在更新索引……",
    done: "已停用：助手已不再使用这份文档。",
    failed: "已停用，但索引更新失败：助手可能仍在使用这份文档。请稍后点击“重建索引”重试。",
  });
}

function enableDocument() {
  return changeStatus("POST", "/enable", "启用后，助手将重新使用这份文档回答问题。确定启用吗？", {
    pending: "已启用，正在发布……",
    done: "已启用并已发布：助手已开始使用这份文档，现在可以编辑了。",
    failed: "已启用，但发布失败：助手还没有用上这份文档。请稍后点击“重建索引”重试。",
  });
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

// Say what was done; while it is being published the message says so, and it is updated once
// the status bar has seen the change go live (or fail).
function afterChange(data, messages) {
  if (!data.publish) {
    showMessage("editor-message", messages.done, "ok");
    return;
  }
  showMessage("editor-message", messages.pending, "ok");
  state.editorNote = { ticket: data.publish.ticket, id: state.current && state.current.id, ...messages };
  waitForPublish(data.publish.ticket);
}

function settleEditorNote(status, busy) {
  const note = state.editorNote;
  if (!note) return;
  let text = null;
  let kind = "ok";
  if (status.completed >= note.ticket) {
    text = note.done;
  } else if (!busy && status.state === "failed") {
    text = note.failed;
    kind = "error";
  } else {
    return;
  }
  state.editorNote = null;
  const stillShown = state.current && state.current.id === note.id && $("editor-message").textContent === note.pending;
  if (stillShown) showMessage("editor-message", text, kind);
}

// Remember the change being published; the status bar says "已发布" once it is live.
function waitForPublish(ticket) {
  state.waitingFor = Math.max(state.waitingFor, ticket);
  $("index-status").dataset.waiting = String(state.waitingFor);
  $("index-state").textContent = "正在发布……";
  schedulePoll(300);
}

// --- history, differences and rollback -------------------------------------------------------

function showHistoryMessage(text, kind) {
  $("history-list").replaceChildren();
  $("history-list").hidden = true;
  showMessage("history-empty", text, kind);
  $("history-empty").hidden = false;
}

async function loadHistory(id) {
  const list = $("history-list");
  try {
    const data = await api("GET", `/api/documents/${encodeURIComponent(id)}/history`);
    if (!data.history.length) {
      showHistoryMessage("这份文档还没有在控制台中修改过。");
      return;
    }
    list.replaceChildren();
    list.hidden = false;
    $("history-empty").hidden = true;
    // Newest first: the newest entry with the current content is the current version; an older
    // one with the same content (the version a rollback restored) is only said to match it.
    let currentNumber = null;
    for (const entry of data.history) {
      const isCurrent = currentNumber === null && entry.revision === data.revision;
      if (isCurrent) currentNumber = entry.number;
      list.append(historyItem(id, entry, isCurrent, entry.revision === data.revision ? currentNumber : null));
    }
  } catch (error) {
    showHistoryMessage(error.message, "error");
  }
}

// sameAs: the number of the current version when this entry has the same content, else null.
function historyItem(id, entry, isCurrent, sameAs) {
  const item = el("li");
  item.dataset.number = entry.number;
  const note = entry.note ? `（${entry.note}）` : "";
  item.append(el("span", `第 ${entry.number} 版 · ${formatTime(entry.at)} · ${ACTION_LABELS[entry.action] || entry.action}` +
    ` · ${entry.actor} · ${STATUS_LABELS[entry.status] || entry.status}${note}`));
  if (isCurrent) item.append(el("span", "当前版本", "badge current"));
  else if (sameAs !== null) item.append(el("span", `内容与第 ${sameAs} 版相同`, "muted small"));
  const view = el("button", isCurrent ? "查看" : "查看及对比");
  view.type = "button";
  view.className = "view";
  view.addEventListener("click", () => previewRevision(id, entry.number));
  item.append(view);
  if (sameAs === null) {
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
    const current = state.current && state.current.id === id ? state.current.content : null;
    $("history-preview-box").hidden = false;
    $("history-preview-heading").textContent = `第 ${number} 版`;
    $("history-full-summary").textContent = `第 ${number} 版全文`;
    $("history-preview").textContent = data.content;
    showDiff(number, data.content, current);
  } catch (error) {
    showMessage("editor-message", error.message, "error");
  }
}

const DIFF_CONTEXT = 2; // unchanged lines shown around each change
const MAX_DIFF_CELLS = 4000000; // beyond this, changed middles are listed whole instead of matched line by line

function splitLines(text) {
  return text.replace(/\n$/, "").split("\n");
}

// Line differences from `before` to `after`: [{kind: "same" | "removed" | "added", text}].
function lineDiff(before, after) {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start += 1;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore -= 1;
    endAfter -= 1;
  }
  const a = before.slice(start, endBefore);
  const b = after.slice(start, endAfter);
  const ops = before.slice(0, start).map((text) => ({ kind: "same", text }));
  let i = 0;
  let j = 0;
  if ((a.length + 1) * (b.length + 1) <= MAX_DIFF_CELLS) {
    // common[x * width + y]: the longest common subsequence of a[x..] and b[y..]
    const width = b.length + 1;
    const common = new Uint32Array((a.length + 1) * width);
    for (let x = a.length - 1; x >= 0; x -= 1) {
      for (let y = b.length - 1; y >= 0; y -= 1) {
        common[x * width + y] = a[x] === b[y] ? common[(x + 1) * width + y + 1] + 1
          : Math.max(common[(x + 1) * width + y], common[x * width + y + 1]);
      }
    }
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        ops.push({ kind: "same", text: a[i] });
        i += 1;
        j += 1;
      } else if (common[(i + 1) * width + j] >= common[i * width + j + 1]) {
        ops.push({ kind: "removed", text: a[i] });
        i += 1;
      } else {
        ops.push({ kind: "added", text: b[j] });
        j += 1;
      }
    }
  }
  for (; i < a.length; i += 1) ops.push({ kind: "removed", text: a[i] });
  for (; j < b.length; j += 1) ops.push({ kind: "added", text: b[j] });
  for (const text of before.slice(endBefore)) ops.push({ kind: "same", text });
  return ops;
}

const DIFF_SIGNS = { same: " ", removed: "-", added: "+" };

function diffLine(kind, text) {
  const line = el("div", null, `diff-line ${kind}`);
  line.append(el("span", DIFF_SIGNS[kind], "sign"), el("span", text, "text"));
  return line;
}

// The old version against the current one, line by line; long runs of unchanged lines are folded.
function showDiff(number, oldContent, currentContent) {
  const box = $("history-diff");
  box.replaceChildren();
  if (currentContent === null) {
    showMessage("history-diff-legend", "无法读取当前版本，只能显示该版本的全文。", "error");
    return;
  }
  const ops = lineDiff(splitLines(oldContent), splitLines(currentContent));
  const changed = ops.map((op) => op.kind !== "same");
  if (!changed.includes(true)) {
    showMessage("history-diff-legend", `第 ${number} 版与当前版本内容相同。`);
    return;
  }
  showMessage("history-diff-legend",
    `与当前版本逐行对比：以“-”开头的行只在第 ${number} 版中（当前版本已删除或改写），` +
    `以“+”开头的行只在当前版本中（第 ${number} 版没有）；其余是相同的行。`);
  const near = (index) => {
    for (let k = Math.max(0, index - DIFF_CONTEXT); k <= Math.min(ops.length - 1, index + DIFF_CONTEXT); k += 1) {
      if (changed[k]) return true;
    }
    return false;
  };
  let folded = 0;
  const flush = () => {
    if (folded) box.append(el("div", `……（${folded} 行相同，未显示）`, "diff-fold muted"));
    folded = 0;
  };
  ops.forEach((op, index) => {
    if (op.kind === "same" && !near(index)) {
      folded += 1;
      return;
    }
    flush();
    box.append(diffLine(op.kind, op.text));
  });
  flush();
}

async function rollbackTo(id, number) {
  if (!window.confirm(`确定把文档恢复为第 ${number} 版并重新发布吗？当前内容会保留在历史版本中。`)) return;
  setBusy(true);
  try {
    const data = await api("POST", `/api/documents/${encodeURIComponent(id)}/rollback`, {
      json: { to: number, base_revision: state.current.revision, note: $("change-note").value.trim() },
    });
    fillEditor(data.document);
    const restored = `已恢复为第 ${number} 版的内容`;
    afterChange(data, {
      pending: `${restored}，正在发布……`,
      done: `${restored}并已发布：助手已开始使用这一版。`,
      failed: `${restored}，但发布失败：助手仍在使用上一版。请稍后点击“重建索引”重试。`,
    });
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
  if (!isSignedIn()) return;
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
  settleEditorNote(status, busy);
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

function wideRow(text) {
  const row = el("tr");
  const cell = el("td", text);
  cell.colSpan = 6;
  row.append(cell);
  return row;
}

// A document change shows its document, version number and change note; other events (e.g. a
// rebuild) their description.
function auditRow(event) {
  const row = el("tr");
  const label = ACTION_LABELS[event.action] || event.action;
  row.append(el("td", formatTime(event.at)), el("td", event.actor), el("td", label));
  if (event.doc_id) {
    row.append(el("td", event.doc_id), el("td", `第 ${event.revision_number} 版`),
      event.note ? el("td", event.note) : el("td", "（未填写）", "muted"));
  } else {
    row.append(el("td", "—"), el("td", "—"), el("td", event.detail === label ? "" : event.detail));
  }
  return row;
}

async function loadAudit() {
  const rows = $("audit-rows");
  try {
    const data = await api("GET", "/api/audit?limit=200");
    rows.replaceChildren();
    for (const event of data.events) rows.append(auditRow(event));
    if (!data.events.length) rows.append(wideRow("暂无记录。"));
  } catch (error) {
    rows.replaceChildren(wideRow(error.message));
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
  $("filter").addEventListener("input", renderDocumentList);
  $("new-document").addEventListener("click", () => newDocument());
  $("upload-file").addEventListener("change", (event) => uploadFile(event.target.files[0]));
  $("save").addEventListener("click", saveDocument);
  $("retire").addEventListener("click", retireDocument);
  $("enable").addEventListener("click", enableDocument);
  $("reload").addEventListener("click", () => state.current && !state.current.isNew && openDocument(state.current.id));
  $("rebuild").addEventListener("click", rebuildIndex);
  $("refresh-audit").addEventListener("click", loadAudit);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runSearch($("query").value.trim());
  });
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => selectTab(tab));
  startStaffPage({
    onSignIn: () => Promise.all([loadDocuments(), refreshIndexStatus()]),
    onSignOut: () => { state.current = null; },
  });
});

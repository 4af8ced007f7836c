// 未解答问题页：纯 JavaScript，无需构建。所有文字都通过 textContent 显示。
"use strict";

const TOKEN_KEY = "staffToken"; // shared with the knowledge console (same tab, same origin)
const state = { token: sessionStorage.getItem(TOKEN_KEY) };
const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

// Times are shown in Beijing time whatever the zone of this browser.
const BEIJING_TIME = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || "";
  const part = {};
  for (const { type, value } of BEIJING_TIME.formatToParts(date)) part[type] = value;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}（北京时间）`;
}

function showMessage(id, text, kind) {
  const node = $(id);
  node.textContent = text || "";
  node.className = "message" + (kind ? " " + kind : "");
}

class ApiFailure extends Error {
  constructor(status, data) {
    super((data && data.message) || `请求失败（${status}），请稍后再试。`);
    this.status = status;
  }
}

async function request(path, options) {
  const init = { headers: { Authorization: `Bearer ${state.token}` } };
  if (options && options.json) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiFailure(0, { message: "无法连接服务器，请检查网络后重试。" });
  }
  if (response.status === 401) {
    logout("登录已失效或令牌不正确，请重新输入令牌。");
    throw new ApiFailure(401, null);
  }
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

async function login(token) {
  state.token = token;
  try {
    const session = await request("/api/session");
    sessionStorage.setItem(TOKEN_KEY, token);
    $("staff-name").textContent = session.name;
    $("who").hidden = false;
    $("login").hidden = true;
    $("app").hidden = false;
    showMessage("login-message", "");
    await loadGroups();
  } catch (error) {
    if (error.status !== 401) showMessage("login-message", error.message, "error");
  }
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  $("app").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  $("token").value = "";
  showMessage("login-message", message || "", message ? "error" : "");
}

function reasonText(group) {
  return group.reasons.map((reason) => `${reason.label} ${reason.count} 次`).join("，");
}

function groupItem(group, open) {
  const item = el("li");
  item.append(el("h3", `${group.label}（${group.count} 次）`));
  item.append(el("p", `首次 ${formatTime(group.first_seen)}，最近 ${formatTime(group.last_seen)} · ${reasonText(group)}`, "counts muted small"));
  if (group.documents.length) {
    item.append(el("p", "没帮助的回答来自：" + group.documents.map((d) => `${d.document_id}（${d.count} 次）`).join("、"), "small"));
  }
  const examples = el("ul", null, "cases");
  for (const example of group.examples) {
    const line = el("li", null, "example");
    line.append(el("span", example.question), " ");
    const source = example.document_id ? ` · 回答文档 ${example.document_id}` : "";
    line.append(el("span", `（${example.reason_label}${source} · ${formatTime(example.asked_at)}）`, "muted"));
    examples.append(line);
  }
  item.append(examples);
  if (open) {
    const button = el("button", "标记为已处理");
    button.type = "button";
    button.addEventListener("click", () => resolveGroup(group, button));
    item.append(button);
  }
  return item;
}

async function loadGroups() {
  const list = $("groups");
  showMessage("message", "正在分组……");
  const open = $("state").value === "open";
  try {
    const params = new URLSearchParams({ days: $("days").value, state: $("state").value });
    const data = await request("/api/unanswered/groups?" + params.toString());
    list.replaceChildren(...data.groups.map((group) => groupItem(group, open)));
    const more = data.truncated ? "（只分组了最新的部分问题）" : "";
    showMessage("message", data.groups.length
      ? `共 ${data.questions} 个问题，${data.groups.length} 组${more}。`
      : (open ? "这段时间没有待处理的未解答问题。" : "这段时间没有已处理的问题。"), data.groups.length ? "" : "ok");
  } catch (error) {
    list.replaceChildren();
    if (error.status !== 401) showMessage("message", error.message, "error");
  }
}

async function resolveGroup(group, button) {
  button.disabled = true;
  try {
    const data = await request("/api/unanswered/resolve", { json: { ids: group.ids, label: group.label } });
    await loadGroups();
    showMessage("message", `已将“${group.label}”的 ${data.resolved} 个问题标记为已处理（已记入操作记录）。`, "ok");
  } catch (error) {
    button.disabled = false;
    if (error.status !== 401) showMessage("message", error.message, "error");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    login($("token").value.trim());
  });
  $("logout").addEventListener("click", () => logout());
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadGroups();
  });
  if (state.token) login(state.token);
});

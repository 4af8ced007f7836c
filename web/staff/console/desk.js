// 办件台：纯 JavaScript，无需构建。所有内容都通过 textContent 显示，从不把文字当作 HTML 解析。
// 令牌与知识库管理页共用（sessionStorage），从页头链接进入无需重新登录。
import { $, api, el, showMessage, startStaffPage } from "./staff-common.js";

const EVENT_LABELS = {
  assign: "指派部门", reply: "答复信访人", extend: "延长期限", rating: "评价答复", supplement: "补充材料", urge: "催办",
};
const FIELD_LABELS = [
  ["kind_label", "类型"], ["status_label", "状态"], ["received_at", "收到时间"], ["channel", "渠道"],
  ["district", "区"], ["department", "承办部门"], ["name", "姓名"], ["mobile", "手机号码"],
  ["id_number", "身份证号码"], ["email", "电子邮箱"], ["address", "地址"], ["title", "标题"],
  ["content", "内容"], ["request", "诉求"], ["extension_days", "已延长天数"], ["extension_reason", "延期理由"],
];
const PERSONAL = ["name", "mobile", "id_number", "email", "address", "title", "content", "request"];

const state = { page: 1, perPage: 20, total: 0, current: null, revealed: null };

// --- after login ----------------------------------------------------------------------------

async function loadDesk() {
  const { departments } = await api("GET", "/api/desk/departments");
  const select = $("department");
  select.replaceChildren(el("option", "请选择部门"));
  select.firstChild.value = "";
  for (const name of departments) {
    const option = el("option", name);
    option.value = name;
    select.append(option);
  }
  await loadCases();
}

// --- the list -------------------------------------------------------------------------------

function filterQuery() {
  const query = new URLSearchParams();
  const add = (name, value) => { if (value) query.set(name, value); };
  add("kind", $("f-kind").value);
  add("status", $("f-status").value);
  add("district", $("f-district").value.trim());
  add("from", $("f-from").value);
  add("to", $("f-to").value);
  if ($("f-overdue").checked) query.set("overdue", "1");
  query.set("page", String(state.page));
  query.set("per_page", String(state.perPage));
  return query.toString();
}

function clockSummary(item) {
  if (!item.clocks.length) return "无法定时限";
  const running = item.clocks.find((clock) => clock.running);
  if (!running) return "已完成";
  return `${running.name}：${running.due} 前`;
}

async function loadCases() {
  showMessage("list-message", "正在读取…");
  let data;
  try {
    data = await api("GET", `/api/desk/cases?${filterQuery()}`);
  } catch (error) {
    if (error.status !== 401) showMessage("list-message", error.message, "error");
    return;
  }
  state.total = data.total;
  const body = $("cases").querySelector("tbody");
  body.replaceChildren();
  for (const item of data.cases) {
    const row = document.createElement("tr");
    row.dataset.number = item.number;
    if (item.overdue) row.className = "overdue";
    if (state.current && state.current.number === item.number) row.classList.add("selected");
    const number = el("td");
    number.append(el("span", item.number));
    if (item.overdue) number.append(el("span", " 已超期", "overdue-flag"));
    if (item.unseen_followups) {
      const badge = el("span", item.urged ? `催办 · 新跟进 ${item.unseen_followups}` : `新跟进 ${item.unseen_followups}`,
        "followup-badge" + (item.urged ? " urged" : ""));
      badge.title = "信访人有尚未查看的评价、补充材料或催办；打开办件即视为已查看。";
      number.append(badge);
    }
    row.append(number, el("td", item.kind_label), el("td", item.status_label), el("td", item.district),
      el("td", item.department || "未指派"), el("td", item.received_at), el("td", clockSummary(item)));
    row.tabIndex = 0;
    row.addEventListener("click", () => openCase(item.number));
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") openCase(item.number); });
    body.append(row);
  }
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  $("page-info").textContent = `第 ${data.page} / ${pages} 页，共 ${data.total} 件`;
  $("prev-page").disabled = data.page <= 1;
  $("next-page").disabled = data.page >= pages;
  showMessage("list-message", data.total ? "" : "没有符合条件的办件。");
  await loadRatings();
}

function percent(share) {
  return `${Math.round(share * 1000) / 10}%`;
}

async function loadRatings() {
  let data;
  try {
    data = await api("GET", "/api/desk/ratings");
  } catch (error) {
    if (error.status !== 401) showMessage("ratings-message", error.message, "error");
    return;
  }
  const body = $("ratings").querySelector("tbody");
  body.replaceChildren(...data.departments.map((entry) => {
    const row = document.createElement("tr");
    row.dataset.department = entry.department;
    row.append(el("td", entry.department), el("td", entry.total),
      ...["satisfied", "basic", "unsatisfied"].map((key) => el("td", `${entry[key]}（${percent(entry.shares[key])}）`)));
    return row;
  }));
  showMessage("ratings-message", data.departments.length ? "" : "尚无评价。");
}

function followupText(item) {
  const what = item.kind === "rating" ? `评价答复：${item.rating_label}` : item.kind_label;
  const department = item.department ? `（承办部门：${item.department}）` : "";
  const text = item.text ? `\n${item.kind === "rating" ? "不满意的原因" : "内容"}：${item.text}` : "";
  return `${item.at} ${item.seen ? "" : "【新】"}${what}${department}${text}`;
}

// --- one case -------------------------------------------------------------------------------

async function openCase(number) {
  try {
    const { case: item } = await api("GET", `/api/desk/cases/${encodeURIComponent(number)}`);
    state.revealed = null;
    renderCase(item);
    showMessage("case-message", "");
    if (item.unseen_followups) await loadCases();  // opened: its follow-ups are no longer new
  } catch (error) {
    if (error.status !== 401) showMessage("list-message", error.message, "error");
  }
}

function clockText(clock) {
  let text = `${clock.name}：${clock.days}日，自 ${clock.start} 起算，最后一天 ${clock.due}（${clock.basis}）`;
  if (!clock.running) text += `；已于 ${clock.stopped} 完成${clock.stopped > clock.due ? "（超过期限）" : ""}`;
  else text += clock.overdue ? "；已超期，尚未完成" : "；进行中";
  return text;
}

function renderCase(item) {
  state.current = item;
  $("case").hidden = false;
  $("case-heading").textContent = `${item.number}（${item.kind_label}）`;
  $("case-overdue").hidden = !item.overdue;
  $("case-overdue").textContent = item.overdue ? "已超期：法定时限已过，尚未完成。" : "";
  const clocks = $("clocks");
  clocks.replaceChildren(...item.clocks.map((clock) => el("li", clockText(clock), clock.overdue ? "overdue" : "")));
  $("no-clock").hidden = !item.no_clock_reason;
  $("no-clock").textContent = item.no_clock_reason || "";
  renderFields();
  $("department").value = item.department || "";
  const buttons = $("status-buttons");
  buttons.replaceChildren();
  for (const next of item.next_statuses) {
    const button = el("button", `变更为“${next.label}”`);
    button.type = "button";
    button.dataset.status = next.status;
    button.addEventListener("click", () => change("transition", { status: next.status, note: $("status-note").value },
      () => { $("status-note").value = ""; }));
    buttons.append(button);
  }
  if (!item.next_statuses.length) buttons.append(el("span", `“${item.status_label}”是最终状态，不能再变更。`, "muted"));
  $("current-reply").textContent = item.reply ? `当前答复（${item.replied_at}）：${item.reply}` : "尚未答复。";
  $("extend-form").hidden = !item.clocks.some((clock) => clock.name === "办理" && clock.running);
  const followups = $("case-followups");
  followups.replaceChildren(...(item.followups || []).map((entry) => el("li", followupText(entry), entry.seen ? "" : "new")));
  if (!followups.children.length) followups.append(el("li", "暂无评价、补充材料或催办。", "muted"));
  const history = $("case-history");
  history.replaceChildren(...item.history.map((step) => {
    const what = step.event ? EVENT_LABELS[step.event] || step.event
      : step.from ? `${step.from} → ${step.status}` : step.status;
    return el("li", `${step.at} ${step.actor}：${what}${step.note ? "（" + step.note + "）" : ""}`);
  }));
  for (const row of $("cases").querySelectorAll("tbody tr")) {
    row.classList.toggle("selected", row.dataset.number === item.number);
  }
}

function renderFields() {
  const item = state.current;
  const shown = { ...item, ...(state.revealed || {}) };
  const list = $("case-fields");
  list.replaceChildren();
  for (const [key, label] of FIELD_LABELS) {
    const value = shown[key];
    if (value === null || value === undefined || value === "") continue;
    list.append(el("dt", label), el("dd", value));
  }
  $("reveal").hidden = Boolean(state.revealed);
}

async function reveal() {
  const item = state.current;
  if (!item) return;
  if (!window.confirm(`显示办件 ${item.number} 的个人信息？此操作将记入操作日志（您的姓名和时间）。`)) return;
  try {
    const data = await api("POST", `/api/desk/cases/${encodeURIComponent(item.number)}/reveal`);
    state.revealed = Object.fromEntries(PERSONAL.map((key) => [key, data.fields[key]]));
    renderFields();
    showMessage("case-message", "已显示个人信息（已记入操作日志）。请勿外传。", "ok");
  } catch (error) {
    if (error.status !== 401) showMessage("case-message", error.message, "error");
  }
}

async function change(step, body, done) {
  const item = state.current;
  if (!item) return;
  try {
    const data = await api("POST", `/api/desk/cases/${encodeURIComponent(item.number)}/${step}`,
      { json: { ...body, version: item.version } });
    const revealed = state.revealed;
    renderCase(data.case);
    state.revealed = revealed;
    renderFields();
    showMessage("case-message", "已保存。", "ok");
    if (done) done();
    await loadCases();
  } catch (error) {
    if (error.status === 401) return;
    const hint = error.status === 409 ? "（请点击列表中的该办件重新打开，查看最新内容）" : "";
    showMessage("case-message", error.message + hint, "error");
  }
}

// --- wiring ---------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.page = 1;
    loadCases();
  });
  $("prev-page").addEventListener("click", () => { state.page = Math.max(1, state.page - 1); loadCases(); });
  $("next-page").addEventListener("click", () => { state.page += 1; loadCases(); });
  $("reveal").addEventListener("click", reveal);
  $("assign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    change("assign", { department: $("department").value });
  });
  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    change("reply", { text: $("reply-text").value }, () => { $("reply-text").value = ""; });
  });
  $("extend-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const days = $("extend-days").value.trim();
    change("extend", { days: /^\d+$/.test(days) ? Number(days) : days, reason: $("extend-reason").value },
      () => { $("extend-days").value = ""; $("extend-reason").value = ""; });
  });
  startStaffPage({ onSignIn: loadDesk, onSignOut: () => { state.current = null; } });
});

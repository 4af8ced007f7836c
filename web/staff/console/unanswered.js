// 未解答问题页：纯 JavaScript，无需构建。所有文字都通过 textContent 显示。
import { $, api, el, formatTime, showMessage, startStaffPage } from "./staff-common.js";

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
    const data = await api("GET", "/api/unanswered/groups?" + params.toString());
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
    const data = await api("POST", "/api/unanswered/resolve", { json: { ids: group.ids, label: group.label } });
    await loadGroups();
    showMessage("message", `已将“${group.label}”的 ${data.resolved} 个问题标记为已处理（已记入操作记录）。`, "ok");
  } catch (error) {
    button.disabled = false;
    if (error.status !== 401) showMessage("message", error.message, "error");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadGroups();
  });
  startStaffPage({ onSignIn: loadGroups });
});

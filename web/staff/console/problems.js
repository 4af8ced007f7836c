// 共性问题页：纯 JavaScript，无需构建。所有文字都通过 textContent 显示；图表是脚本画的内联 SVG，另有表格作为文字替代。
import { $, api, apiResponse, beijingParts, el, formatTime, showMessage, startStaffPage } from "./staff-common.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
  "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"];

function thisMonth() {
  const part = beijingParts(new Date());
  return `${part.year}-${part.month}`;
}

function filterQuery(extra) {
  const params = new URLSearchParams(extra);
  if ($("kind").value) params.set("kind", $("kind").value);
  if ($("district").value) params.set("district", $("district").value);
  return params.toString();
}

// --- groups ---------------------------------------------------------------------------------

function caseLine(item, extra) {
  const line = el("li", null, "example");
  line.append(el("span", item.title), " ");
  line.append(el("span", `（${item.tracking_number} · ${item.kind_label} · ${item.district} · ${formatTime(item.created_at)}${extra || ""}）`, "muted"));
  return line;
}

function groupItem(group) {
  const item = el("li");
  item.dataset.group = group.number;
  item.append(el("h3", `第${group.number}组：${group.label}`));
  const counts = el("p", null, "counts");
  counts.append(`本月 ${group.current} 件，上月 ${group.previous} 件`);
  if (group.growth > 0) counts.append(" ", el("span", `增加 ${group.growth} 件`, "growth-up"));
  else if (group.growth < 0) counts.append(`，减少 ${-group.growth} 件`);
  item.append(counts);
  if (group.districts.length) {
    item.append(el("p", "涉及区：" + group.districts.map((d) => `${d.district} ${d.count} 件`).join("、"), "muted small"));
  }
  const examples = el("ul", null, "cases");
  for (const example of group.examples) examples.append(caseLine(example));
  item.append(el("p", "示例：", "small"), examples);
  return item;
}

function fillGroups(listId, groups, emptyText) {
  const list = $(listId);
  list.replaceChildren();
  if (!groups.length) list.append(el("li", emptyText, "muted"));
  for (const group of groups) list.append(groupItem(group));
}

async function loadGroups() {
  const data = await api("GET", "/api/problems/groups?" + filterQuery({ month: $("month").value }));
  fillGroups("largest", data.largest, `${data.month} 没有两件以上相似的事项。`);
  fillGroups("growing", data.growing, `与 ${data.previous_month} 相比没有增长的问题组。`);
  let note = `共分析 ${data.analysed} 件（${data.previous_month} 和 ${data.month}），其中 ${data.ungrouped} 件没有相似事项。`;
  if (data.truncated) note += `件数过多，只分析了最新的 ${data.max_analysed} 件。`;
  $("groups-note").textContent = note;
  const flagged = $("flagged");
  flagged.replaceChildren();
  if (!data.likely_duplicates.length) flagged.append(el("li", "本月没有疑似重复的新事项。", "muted"));
  for (const entry of data.likely_duplicates) {
    const item = caseLine(entry.case);
    item.dataset.number = entry.case.tracking_number;
    const matches = el("ul", null, "cases");
    for (const match of entry.matches) matches.append(caseLine(match, ` · 相似度 ${match.similarity.toFixed(2)}`));
    item.append(el("span", " 疑似重复：", "growth-up"), matches);
    flagged.append(item);
  }
}

// --- monthly chart --------------------------------------------------------------------------

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function drawChart(data) {
  const width = 640, height = 220, left = 36, bottom = 28, top = 16;
  const max = Math.max(1, ...data.totals);
  const slot = (width - left) / data.months.length;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title chart-desc" });
  chart.append(svg("title", { id: "chart-title" }, "每月件数柱状图"));
  chart.append(svg("desc", { id: "chart-desc" },
    data.months.map((month, i) => `${month}：${data.totals[i]} 件`).join("；")));
  chart.append(svg("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, class: "axis" }));
  chart.append(svg("text", { x: 0, y: top, "text-anchor": "start" }, max));
  data.months.forEach((month, i) => {
    const barHeight = ((height - bottom - top) * data.totals[i]) / max;
    const x = left + i * slot + slot * 0.15;
    const bar = svg("rect", { x, y: height - bottom - barHeight, width: slot * 0.7, height: barHeight, class: "bar" });
    bar.dataset.month = month;
    bar.append(svg("title", {}, `${month}：${data.totals[i]} 件`));
    chart.append(bar);
    chart.append(svg("text", { x: x + slot * 0.35, y: height - bottom - barHeight - 3, "text-anchor": "middle" }, data.totals[i]));
    chart.append(svg("text", { x: x + slot * 0.35, y: height - 8, "text-anchor": "middle" }, month.slice(2)));
  });
  $("chart").replaceChildren(chart);
  $("chart-caption").textContent = `${data.months[0]} 至 ${data.months[data.months.length - 1]}，共 ${data.analysed} 件` +
    (data.truncated ? `（件数过多，只统计了最新的 ${data.max_analysed} 件）` : "") + "。";
  const body = $("chart-table").tBodies[0];
  body.replaceChildren();
  data.months.forEach((month, i) => {
    const row = el("tr");
    const top = data.groups.map((g) => ({ label: g.label, count: g.counts[i] })).filter((g) => g.count > 0)
      .sort((a, b) => b.count - a.count)[0];
    row.append(el("td", month), el("td", data.totals[i]), el("td", top ? `${top.label}（${top.count}）` : "—"));
    body.append(row);
  });
}

async function loadSummary() {
  const data = await api("GET", "/api/problems/summary?" + filterQuery({ until: $("month").value, months: $("months").value }));
  drawChart(data);
}

async function loadAll() {
  showMessage("message", "正在分析，件数多时需要一些时间……");
  try {
    await Promise.all([loadGroups(), loadSummary()]);
    showMessage("message", "");
  } catch (error) {
    if (error.status !== 401) showMessage("message", error.message, "error");
  }
}

async function downloadCsv() {
  const button = $("download-csv");
  button.disabled = true;
  try {
    const query = filterQuery({ until: $("month").value, months: $("months").value });
    const response = await apiResponse("GET", "/api/problems/summary.csv?" + query);
    const blob = await response.blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = `共性问题月度汇总-${$("month").value}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    showMessage("message", "已下载月度汇总（本次导出已记入操作记录）。", "ok");
  } catch (error) {
    if (error.status !== 401) showMessage("message", error.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function findDuplicates(number) {
  const results = $("duplicate-results");
  results.replaceChildren();
  if (!number) {
    showMessage("duplicate-message", "请输入查询编号。", "error");
    return;
  }
  showMessage("duplicate-message", "正在查找……");
  try {
    const data = await api("GET", `/api/problems/duplicates/${encodeURIComponent(number)}`);
    for (const match of data.matches) results.append(caseLine(match, ` · 相似度 ${match.similarity.toFixed(2)}`));
    showMessage("duplicate-message", data.matches.length
      ? `${data.case.tracking_number} 可能与以下 ${data.matches.length} 件未办结事项重复：`
      : `在 ${data.compared} 件未办结事项中没有发现与 ${data.case.tracking_number} 重复的。`, data.matches.length ? "" : "ok");
  } catch (error) {
    if (error.status !== 401) showMessage("duplicate-message", error.message, "error");
  }
}

// --- start ----------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const district = $("district");
  for (const name of DISTRICTS) district.append(new Option(name, name));
  $("month").value = thisMonth();
  $("month").max = thisMonth();
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadAll();
  });
  $("download-csv").addEventListener("click", downloadCsv);
  $("duplicate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    findDuplicates($("tracking-number").value.trim());
  });
  startStaffPage({ onSignIn: loadAll });
});

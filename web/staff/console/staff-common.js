// 四个工作人员页面共用的部分：元素、提示、北京时间、API 调用、登录与退出。纯 JavaScript（ES 模块），无需构建。
// 所有文字都通过 textContent 显示，从不把文字当作 HTML 解析。
// Each page imports what it needs and calls startStaffPage() once its own controls are wired.

const TOKEN_KEY = "staffToken"; // sessionStorage: shared by the four pages (same tab, same origin)

let token = sessionStorage.getItem(TOKEN_KEY);
let pageHooks = { onSignIn: async () => {}, onSignOut: () => {} };

export const $ = (id) => document.getElementById(id);

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

export function showMessage(id, text, kind) {
  const node = $(id);
  node.textContent = text || "";
  node.className = "message" + (kind ? " " + kind : "");
}

// Times are shown in Beijing time, as citizens see them, whatever the zone of this browser.
const BEIJING_TIME = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

export function beijingParts(date) {
  const part = {};
  for (const { type, value } of BEIJING_TIME.formatToParts(date)) part[type] = value;
  return part;
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const part = beijingParts(date);
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}（北京时间）`;
}

// --- the API --------------------------------------------------------------------------------

export class ApiFailure extends Error {
  constructor(status, data) {
    super((data && data.message) || `请求失败（${status}），请稍后再试。`);
    this.status = status;
    this.data = data || {};
  }
}

async function jsonOrNull(response) {
  try {
    return await response.json();
  } catch (error) {
    return null;
  }
}

/** The answer of a staff API call as a Response (a CSV download reads it as a blob). Throws
 * ApiFailure with the server's Chinese message; a 401 signs the page out first. */
export async function apiResponse(method, path, { json, body, headers } = {}) {
  const request = { method, headers: { Authorization: `Bearer ${token}`, ...(headers || {}) } };
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
  if (response.status === 401) {
    const data = await jsonOrNull(response);
    logout("登录已失效或令牌不正确，请重新输入令牌。");
    throw new ApiFailure(401, data);
  }
  if (!response.ok) throw new ApiFailure(response.status, await jsonOrNull(response));
  return response;
}

/** The JSON answer of a staff API call (null if the answer has no JSON body). */
export async function api(method, path, options) {
  return jsonOrNull(await apiResponse(method, path, options));
}

// --- login ----------------------------------------------------------------------------------

export function isSignedIn() {
  return Boolean(token);
}

async function login(candidate) {
  token = candidate;
  try {
    const session = await api("GET", "/api/session");
    sessionStorage.setItem(TOKEN_KEY, candidate);
    $("staff-name").textContent = session.name;
    $("who").hidden = false;
    $("login").hidden = true;
    $("app").hidden = false;
    showMessage("login-message", "");
    await pageHooks.onSignIn(session);
  } catch (error) {
    if (error.status !== 401) showMessage("login-message", error.message, "error");
  }
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  pageHooks.onSignOut();
  $("app").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  $("token").value = "";
  showMessage("login-message", message || "", message ? "error" : "");
}

/** Wire the header's login form and 退出 button, and sign in at once with the tab's token.
 * onSignIn(session) loads the page's data; onSignOut() forgets what the page was showing. */
export function startStaffPage({ onSignIn = async () => {}, onSignOut = () => {} } = {}) {
  pageHooks = { onSignIn, onSignOut };
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const candidate = $("token").value.trim();
    if (candidate) login(candidate);
    else showMessage("login-message", "请输入令牌。", "error");
  });
  $("logout").addEventListener("click", () => logout());
  if (token) login(token);
}

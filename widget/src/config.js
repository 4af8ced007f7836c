// The widget's configuration: defaults < window.XinfangWidget = {...} < data-* attributes of the
// <script> tag. Values are validated; anything invalid falls back to the default.
import { languageTag } from "./i18n.js";

export const DEFAULTS = Object.freeze({
  server: "", // the Rasa server (http/https origin, optionally with a path); default: the script's origin
  socketPath: "/socket.io/",
  title: "信访与人民建议智能助手",
  primaryColor: "#b71c1c",
  primaryTextColor: "#ffffff",
  lang: "zh-CN",
  position: "right", // or "left"
  initPayload: "/greet", // sent once, unseen, when a new conversation is first opened ("" for none)
  idleMinutes: 60, // forget the conversation after this long without a message (Rasa's session expiry)
});

const ATTRIBUTES = {
  server: "data-server",
  socketPath: "data-socket-path",
  title: "data-title",
  primaryColor: "data-primary-color",
  primaryTextColor: "data-primary-text-color",
  lang: "data-lang",
  position: "data-position",
  initPayload: "data-init-payload",
  idleMinutes: "data-idle-minutes",
};

function isColour(value) {
  return typeof value === "string" && value.length < 64 && globalThis.CSS?.supports?.("color", value) === true;
}

function httpUrl(value, base) {
  try {
    const url = new URL(value, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch (_err) {
    return null;
  }
}

/** Merge and validate; ``scriptUrl`` is where widget.js was loaded from. */
export function resolveConfig(globalConfig, scriptElement, scriptUrl) {
  const raw = { ...DEFAULTS };
  if (globalConfig && typeof globalConfig === "object") {
    for (const key of Object.keys(DEFAULTS)) {
      if (globalConfig[key] !== undefined && globalConfig[key] !== null) raw[key] = globalConfig[key];
    }
  }
  if (scriptElement) {
    for (const [key, attribute] of Object.entries(ATTRIBUTES)) {
      if (scriptElement.hasAttribute(attribute)) raw[key] = scriptElement.getAttribute(attribute);
    }
  }
  const scriptOrigin = new URL(scriptUrl).origin;
  const server = httpUrl(raw.server || scriptOrigin, scriptUrl) || new URL(scriptOrigin);
  const idleMinutes = Number(raw.idleMinutes);
  return {
    server: server.origin + server.pathname.replace(/\/+$/, ""),
    socketPath: /^\/?[\w./-]*$/.test(String(raw.socketPath)) ? String(raw.socketPath) : DEFAULTS.socketPath,
    title: String(raw.title).slice(0, 60) || DEFAULTS.title,
    primaryColor: isColour(raw.primaryColor) ? raw.primaryColor : DEFAULTS.primaryColor,
    primaryTextColor: isColour(raw.primaryTextColor) ? raw.primaryTextColor : DEFAULTS.primaryTextColor,
    lang: languageTag(raw.lang),
    position: raw.position === "left" ? "left" : "right",
    initPayload: typeof raw.initPayload === "string" ? raw.initPayload.slice(0, 200) : DEFAULTS.initPayload,
    idleMinutes: Number.isFinite(idleMinutes) && idleMinutes > 0 ? idleMinutes : DEFAULTS.idleMinutes,
  };
}

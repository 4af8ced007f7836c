// Engine.IO v4 / Socket.IO v5 text packets, as used over a WebSocket (one packet per frame).
// Only what a chat client needs: default namespace, JSON events, no acks, no binary.
// Spec: https://socket.io/docs/v4/engine-io-protocol/ and https://socket.io/docs/v4/socket-io-protocol/

export const ENGINE = Object.freeze({ OPEN: "0", CLOSE: "1", PING: "2", PONG: "3", MESSAGE: "4", NOOP: "6" });
export const SOCKET = Object.freeze({ CONNECT: "0", DISCONNECT: "1", EVENT: "2", ACK: "3", CONNECT_ERROR: "4" });

/** The WebSocket URL of a Socket.IO server: http(s)://host[:port] + path -> ws(s)://…?EIO=4&transport=websocket */
export function engineUrl(server, path = "/socket.io/") {
  const url = new URL(server);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`unsupported server URL: ${server}`);
  }
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const cleanPath = "/" + String(path).replace(/^\/+|\/+$/g, "") + "/";
  url.pathname = url.pathname.replace(/\/+$/, "") + cleanPath;
  url.search = "?EIO=4&transport=websocket";
  url.hash = "";
  return url.href;
}

/** An Engine.IO frame -> {type, data}; data is the raw string after the type digit. */
export function decodeEngine(frame) {
  if (typeof frame !== "string" || frame.length === 0) return null;
  return { type: frame[0], data: frame.slice(1) };
}

/** A Socket.IO packet (the data of an Engine.IO message) -> {type, namespace, id, payload}. */
export function decodeSocket(text) {
  if (typeof text !== "string" || text.length === 0) return null;
  const type = text[0];
  let rest = text.slice(1);
  let namespace = "/";
  if (rest.startsWith("/")) {
    const comma = rest.indexOf(",");
    namespace = comma === -1 ? rest : rest.slice(0, comma);
    rest = comma === -1 ? "" : rest.slice(comma + 1);
  }
  const idMatch = /^\d+/.exec(rest);
  const id = idMatch ? Number(idMatch[0]) : null;
  if (idMatch) rest = rest.slice(idMatch[0].length);
  let payload;
  if (rest.length > 0) {
    try {
      payload = JSON.parse(rest);
    } catch (_err) {
      return null;
    }
  }
  return { type, namespace, id, payload };
}

/** Socket.IO CONNECT to the default namespace (optionally with an auth object). */
export function encodeConnect(auth) {
  return ENGINE.MESSAGE + SOCKET.CONNECT + (auth ? JSON.stringify(auth) : "");
}

/** Socket.IO EVENT ["name", ...args] on the default namespace, as an Engine.IO message frame. */
export function encodeEvent(name, ...args) {
  return ENGINE.MESSAGE + SOCKET.EVENT + JSON.stringify([name, ...args]);
}

/** Delay before reconnect attempt ``attempt`` (0-based): exponential, capped, with jitter in [50%, 100%]. */
export function reconnectDelay(attempt, { minMs = 1000, maxMs = 30000 } = {}, random = Math.random) {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.5 + random() * 0.5));
}

// One conversation with Rasa's socketio channel (session persistence on): asks for the stored
// session on every (re)connection, sends messages once the session is confirmed, and turns
// bot_uttered payloads into plain message objects.
import { SocketIOClient } from "./socketio-client.js";

const OUTBOX_LIMIT = 20;

/** A bot_uttered payload -> {text, quickReplies, kind} or null for payloads the widget does not show. */
export function normaliseBotMessage(payload) {
  if (!payload || typeof payload !== "object") return null;
  if (payload.type === "handoff") return { kind: "handoff", text: "" };
  const quickReplies = Array.isArray(payload.quick_replies)
    ? payload.quick_replies
        .filter((q) => q && typeof q.title === "string" && typeof q.payload === "string")
        .map((q) => ({ title: q.title, payload: q.payload }))
    : [];
  if (typeof payload.text === "string" && payload.text.trim()) {
    return { kind: "text", text: payload.text, quickReplies };
  }
  const attachment = payload.attachment;
  if (attachment && attachment.type === "image" && attachment.payload && typeof attachment.payload.src === "string") {
    return { kind: "text", text: attachment.payload.src, quickReplies };
  }
  return null;
}

export class RasaSession {
  /**
   * @param {object} options server, socketPath, sessionId (stored, may be null), and callbacks:
   *   onSession(id, previousId), onMessage(message), onStatus(state, detail), onError({code, message});
   *   filedIn() gives the earlier sessions something was filed in (their case notices are wanted too)
   */
  constructor({ server, socketPath, sessionId, filedIn, onSession, onMessage, onStatus, onError }) {
    this.sessionId = sessionId || null;
    this.filedIn = filedIn || (() => []);
    this.ready = false;
    this.outbox = [];
    this.callbacks = { onSession, onMessage, onStatus, onError };
    this.socket = new SocketIOClient(server, { path: socketPath });
    this.socket.onState((state, detail) => {
      if (state !== "connected") this.ready = false;
      if (state === "connected") this.requestSession();
      onStatus(state, detail);
    });
    this.socket.on("session_confirm", (id) => this.confirm(id));
    this.socket.on("bot_uttered", (payload) => {
      const message = normaliseBotMessage(payload);
      if (message) onMessage(message);
    });
    this.socket.on("error_evt", (error) => onError(error || {}));
  }

  start() {
    this.socket.connect();
  }

  stop() {
    this.socket.close();
  }

  /** Send a message now, or after the session is (re)confirmed; false if the outbox is full. */
  send(text) {
    if (this.ready) {
      return this.socket.emit("user_uttered", { message: text, session_id: this.sessionId }) || this.queue(text);
    }
    return this.queue(text);
  }

  /** Forget the session: the next confirmation starts a new conversation. */
  reset() {
    const wasReady = this.ready;
    this.sessionId = null;
    this.ready = false; // messages wait for the new session's confirmation
    this.outbox = [];
    if (wasReady) this.requestSession();
  }

  requestSession() {
    this.socket.emit("session_request", { session_id: this.sessionId, filed_in: this.filedIn() });
  }

  queue(text) {
    if (this.outbox.length >= OUTBOX_LIMIT) return false;
    this.outbox.push(text);
    return true;
  }

  confirm(id) {
    if (typeof id !== "string" || !id) return;
    const previous = this.sessionId;
    this.sessionId = id;
    this.ready = true;
    if (id !== previous) this.callbacks.onSession(id, previous);
    const pending = this.outbox;
    this.outbox = [];
    for (const text of pending) this.send(text);
  }
}

// A minimal Socket.IO client over WebSocket only (no long-polling fallback): connects, answers
// the server's heartbeat, emits and receives JSON events, and reconnects with backoff.
import { ENGINE, SOCKET, decodeEngine, decodeSocket, encodeConnect, encodeEvent, engineUrl, reconnectDelay } from "./protocol.js";

/**
 * States reported to onState: "connecting", "connected", "disconnected" (with {attempt, everConnected}),
 * "closed" (by close()). Events from the server reach handlers registered with on(name, fn).
 */
export class SocketIOClient {
  constructor(server, { path = "/socket.io/", minDelayMs = 1000, maxDelayMs = 30000, WebSocketImpl = globalThis.WebSocket } = {}) {
    this.url = engineUrl(server, path);
    this.delays = { minMs: minDelayMs, maxMs: maxDelayMs };
    this.WebSocketImpl = WebSocketImpl;
    this.handlers = new Map();
    this.stateListeners = [];
    this.ws = null;
    this.connected = false;
    this.everConnected = false;
    this.failures = 0; // consecutive failed attempts since the last successful connection
    this.stopped = true;
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.onlineListener = () => this.retryNow();
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(handler);
  }

  onState(listener) {
    this.stateListeners.push(listener);
  }

  connect() {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.("online", this.onlineListener);
    this.open();
  }

  close() {
    this.stopped = true;
    globalThis.removeEventListener?.("online", this.onlineListener);
    clearTimeout(this.retryTimer);
    this.teardown();
    this.setState("closed");
  }

  /** Send an event; false when not connected (the caller decides whether to queue it). */
  emit(event, ...args) {
    if (!this.connected) return false;
    this.ws.send(encodeEvent(event, ...args));
    return true;
  }

  /** Reconnect at once instead of waiting for the backoff timer (e.g. the network came back). */
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  open() {
    this.setState("connecting");
    let ws;
    try {
      ws = new this.WebSocketImpl(this.url);
    } catch (_err) {
      this.handleClose();
      return;
    }
    this.ws = ws;
    ws.onmessage = (event) => this.handleFrame(event.data);
    ws.onclose = () => {
      if (this.ws === ws) this.handleClose();
    };
    ws.onerror = () => {}; // always followed by close
  }

  handleFrame(frame) {
    const packet = decodeEngine(frame);
    if (!packet) return;
    switch (packet.type) {
      case ENGINE.OPEN: {
        let handshake = {};
        try {
          handshake = JSON.parse(packet.data);
        } catch (_err) {
          /* defaults below */
        }
        this.heartbeatMs = (Number(handshake.pingInterval) || 25000) + (Number(handshake.pingTimeout) || 20000);
        this.armHeartbeat();
        this.ws.send(encodeConnect());
        break;
      }
      case ENGINE.PING:
        this.armHeartbeat();
        this.ws.send(ENGINE.PONG);
        break;
      case ENGINE.CLOSE:
        this.ws.close();
        break;
      case ENGINE.MESSAGE:
        this.handleSocketPacket(decodeSocket(packet.data));
        break;
      default:
        break; // NOOP, PONG, UPGRADE: nothing to do over a WebSocket
    }
  }

  handleSocketPacket(packet) {
    if (!packet || packet.namespace !== "/") return;
    if (packet.type === SOCKET.CONNECT) {
      this.connected = true;
      this.everConnected = true;
      this.failures = 0;
      this.setState("connected");
    } else if (packet.type === SOCKET.EVENT && Array.isArray(packet.payload) && typeof packet.payload[0] === "string") {
      const [name, ...args] = packet.payload;
      for (const handler of this.handlers.get(name) || []) {
        try {
          handler(...args);
        } catch (err) {
          console.error("[xinfang-widget] handler for", name, "failed:", err);
        }
      }
    } else if (packet.type === SOCKET.DISCONNECT || packet.type === SOCKET.CONNECT_ERROR) {
      this.ws.close(); // refused or dropped by the server: retry with backoff
    }
  }

  // The server pings every pingInterval; silence longer than pingInterval + pingTimeout means the
  // connection is dead even if the socket never reported it (e.g. a dropped mobile network).
  armHeartbeat() {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => this.ws && this.ws.close(), this.heartbeatMs);
  }

  teardown() {
    clearTimeout(this.heartbeatTimer);
    const ws = this.ws;
    this.ws = null;
    this.connected = false;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch (_err) {
        /* already closed */
      }
    }
  }

  handleClose() {
    this.teardown();
    if (this.stopped) return;
    const attempt = this.failures;
    this.failures += 1;
    this.setState("disconnected", { attempt: this.failures, everConnected: this.everConnected });
    this.retryTimer = setTimeout(() => this.open(), reconnectDelay(attempt, this.delays));
  }

  setState(state, detail = {}) {
    for (const listener of this.stateListeners) listener(state, detail);
  }
}

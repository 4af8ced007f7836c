// What the widget remembers in the browser: the conversation's session id with the visible
// transcript (Rasa's socketio channel does not replay history), and the elder-mode preference.
// The transcript is bounded and forgotten after a period without activity, so a shared computer
// does not keep a citizen's conversation indefinitely.

export const TRANSCRIPT_LIMITS = Object.freeze({ items: 100, chars: 100000 });

/** localStorage, or a memory stand-in when storage is blocked (private mode, sandboxed frames). */
export function openStorage(kind = "localStorage") {
  try {
    const storage = globalThis[kind];
    const probe = "__xinfang_widget_probe__";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch (_err) {
    const memory = new Map();
    return {
      getItem: (key) => (memory.has(key) ? memory.get(key) : null),
      setItem: (key, value) => memory.set(key, String(value)),
      removeItem: (key) => memory.delete(key),
    };
  }
}

/** Keep the newest items within the limits (an item is {role, text, ...}). */
export function boundItems(items, limits = TRANSCRIPT_LIMITS) {
  let kept = items.slice(-limits.items);
  let size = kept.reduce((total, item) => total + JSON.stringify(item).length, 0);
  while (kept.length > 1 && size > limits.chars) {
    size -= JSON.stringify(kept[0]).length;
    kept = kept.slice(1);
  }
  return kept;
}

export class ConversationStore {
  /**
   * @param storage a Storage-like object
   * @param key a prefix unique to this widget and assistant (one conversation per assistant)
   * @param idleMinutes the conversation is forgotten after this long without a new message
   */
  constructor(storage, key, { idleMinutes = 60, now = () => Date.now() } = {}) {
    this.storage = storage;
    this.key = key;
    this.idleMs = idleMinutes * 60000;
    this.now = now;
    this.state = this.load();
  }

  load() {
    const empty = { sessionId: null, items: [], updatedAt: 0 };
    let saved;
    try {
      saved = JSON.parse(this.storage.getItem(`${this.key}:conversation`) || "null");
    } catch (_err) {
      return empty;
    }
    if (!saved || !Array.isArray(saved.items) || this.now() - Number(saved.updatedAt || 0) > this.idleMs) {
      return empty;
    }
    const items = saved.items.filter((item) => item && typeof item.role === "string" && typeof item.text === "string");
    return { sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null, items, updatedAt: saved.updatedAt };
  }

  save() {
    this.state.items = boundItems(this.state.items);
    this.state.updatedAt = this.now();
    try {
      this.storage.setItem(`${this.key}:conversation`, JSON.stringify(this.state));
    } catch (_err) {
      /* quota exceeded: the conversation still works, only the reload memory is lost */
    }
  }

  get sessionId() {
    return this.state.sessionId;
  }

  get items() {
    return this.state.items;
  }

  setSessionId(id) {
    this.state.sessionId = id;
    this.save();
  }

  add(item) {
    this.state.items.push(item);
    this.save();
  }

  clear() {
    this.state = { sessionId: null, items: [], updatedAt: 0 };
    this.storage.removeItem(`${this.key}:conversation`);
  }

  get elderMode() {
    return this.storage.getItem(`${this.key}:elder`) === "1";
  }

  set elderMode(on) {
    try {
      this.storage.setItem(`${this.key}:elder`, on ? "1" : "0");
    } catch (_err) {
      /* not remembered, still applied */
    }
  }
}

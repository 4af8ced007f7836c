// 我的办件: the tracking numbers of what the citizen filed with this widget, kept in the browser
// so they survive 新对话, reloads and the idle timeout of the transcript. Only the numbers are
// kept (no names, phone numbers or content): a number alone shows nothing without the mobile's
// last 4 digits, and lookups are throttled by the assistant. Beside them, the ids of the sessions
// they were filed in: the assistant sends the case notices (staff changed the status or replied)
// of those sessions when the widget connects, also after 新对话 or the idle timeout.

export const SAVED_CASES_LIMIT = 10;
export const TRACKING_NUMBER = /^(XF|JY)\d{8}[A-Z0-9]{6}$/;
const SESSION_ID = /^[0-9a-f]{32}$/;
// The filing confirmation (bot/actions/filing.py receipt_message): 已提交成功 and a line 查询编号：…
const RECEIPT_NUMBER_LINE = /^查询编号：((?:XF|JY)\d{8}[A-Z0-9]{6})$/m;

/** The tracking number a filing confirmation gives, or null for any other message. */
export function receiptTrackingNumber(text) {
  if (typeof text !== "string" || !text.includes("提交成功")) return null;
  const match = RECEIPT_NUMBER_LINE.exec(text);
  return match ? match[1] : null;
}

/** "petition" (XF…) or "suggestion" (JY…). */
export function caseKind(number) {
  return number.startsWith("XF") ? "petition" : "suggestion";
}

export class SavedCases {
  /**
   * @param storage a Storage-like object (the page origin's localStorage, as the transcript)
   * @param key the widget's storage prefix
   */
  constructor(storage, key, limit = SAVED_CASES_LIMIT) {
    this.storage = storage;
    this.storageKey = `${key}:cases`;
    this.sessionsKey = `${key}:filed-in`;
    this.limit = limit;
  }

  /** The sessions something was filed in, newest first. */
  get sessions() {
    return this.read(this.sessionsKey, (id) => SESSION_ID.test(id));
  }

  /** Remember that something was filed in session ``id``. */
  addSession(id) {
    if (typeof id !== "string" || !SESSION_ID.test(id)) return false;
    return this.write(this.sessionsKey, [id, ...this.sessions.filter((saved) => saved !== id)]);
  }

  read(storageKey, valid) {
    let saved;
    try {
      saved = JSON.parse(this.storage.getItem(storageKey) || "[]");
    } catch (_err) {
      return [];
    }
    if (!Array.isArray(saved)) return [];
    return [...new Set(saved.filter((item) => typeof item === "string" && valid(item)))].slice(0, this.limit);
  }

  write(storageKey, items) {
    try {
      this.storage.setItem(storageKey, JSON.stringify(items.slice(0, this.limit)));
      return true;
    } catch (_err) {
      return false;
    }
  }

  /** The saved numbers, newest first (anything else in the stored value is dropped). */
  get numbers() {
    return this.read(this.storageKey, (number) => TRACKING_NUMBER.test(number));
  }

  /** Put ``number`` first; the oldest beyond the limit are dropped. False if it could not be stored. */
  add(number) {
    if (!TRACKING_NUMBER.test(number)) return false;
    return this.write(this.storageKey, [number, ...this.numbers.filter((saved) => saved !== number)]);
  }
}

// 我的办件: the tracking numbers of what the citizen filed with this widget, kept in the browser
// so they survive 新对话, reloads and the idle timeout of the transcript. Only the numbers are
// kept (no names, phone numbers or content): a number alone shows nothing without the mobile's
// last 4 digits, and lookups are throttled by the assistant.

export const SAVED_CASES_LIMIT = 10;
export const TRACKING_NUMBER = /^(XF|JY)\d{8}[A-Z0-9]{6}$/;
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
    this.limit = limit;
  }

  /** The saved numbers, newest first (anything else in the stored value is dropped). */
  get numbers() {
    let saved;
    try {
      saved = JSON.parse(this.storage.getItem(this.storageKey) || "[]");
    } catch (_err) {
      return [];
    }
    if (!Array.isArray(saved)) return [];
    const valid = saved.filter((number) => typeof number === "string" && TRACKING_NUMBER.test(number));
    return [...new Set(valid)].slice(0, this.limit);
  }

  /** Put ``number`` first; the oldest beyond the limit are dropped. False if it could not be stored. */
  add(number) {
    if (!TRACKING_NUMBER.test(number)) return false;
    const numbers = [number, ...this.numbers.filter((saved) => saved !== number)].slice(0, this.limit);
    try {
      this.storage.setItem(this.storageKey, JSON.stringify(numbers));
      return true;
    } catch (_err) {
      return false;
    }
  }
}

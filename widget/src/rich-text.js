// Message text -> DOM, without ever interpreting it as HTML: every piece of text becomes a text
// node; http(s) URLs and the public service numbers (110, 120, 119, 12345 …) become links built
// with DOM APIs; a line starting with 来源： (the source of a knowledge answer) gets its own
// citation element; a line starting with 查询编号： shows the tracking number highlighted, followed by
// what the caller adds (the 复制 button).

export const SOURCE_PREFIX = "来源：";
const TRACKING_LINE = /^(查询编号：)((?:XF|JY)\d{8}[A-Z0-9]{6})(.*)$/;

// A URL ends at whitespace, quotes, angle brackets or CJK punctuation / full-width forms.
const URL_PATTERN = /https?:\/\/[^\s<>"'`\u3000-\u303f\uff00-\uffef]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;
// Emergency and government service numbers, standing alone (not inside a longer number, a
// tracking number, or a count such as 120日).
const HOTLINE_PATTERN =
  /(?<![0-9０-９A-Za-z])(?:110|119|120|122|12345|12348|12333|12388|12368|12309|12389|12315)(?![0-9０-９A-Za-z日天条元个年号月%％])/g;

/** Split plain text into [{text}, {tel, text}] segments at the service numbers. */
function splitHotlines(text) {
  const segments = [];
  let last = 0;
  for (const match of text.matchAll(HOTLINE_PATTERN)) {
    if (match.index > last) segments.push({ text: text.slice(last, match.index) });
    segments.push({ tel: match[0], text: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

/** Split text into [{text}, {url, text}] segments; only http(s) URLs that parse become links. */
export function splitLinks(text) {
  const segments = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING_PUNCTUATION, "");
    let url = null;
    try {
      url = new URL(raw);
    } catch (_err) {
      url = null;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
    if (match.index > last) segments.push({ text: text.slice(last, match.index) });
    segments.push({ url: url.href, text: raw });
    last = match.index + raw.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

/** URL segments, then the service numbers inside the text between them. */
export function splitLinksAndNumbers(text) {
  return splitLinks(text).flatMap((segment) => (segment.url ? [segment] : splitHotlines(segment.text)));
}

/** Append ``text`` to ``parent`` as text nodes and safe links; returns parent.
 * ``newWindowHint`` is read to screen-reader users after each web link (it opens a new tab). */
export function appendLinkedText(parent, text, newWindowHint) {
  const doc = parent.ownerDocument;
  for (const segment of splitLinksAndNumbers(text)) {
    if (segment.tel) {
      const call = doc.createElement("a");
      call.href = `tel:${segment.tel}`;
      call.className = "xf-tel";
      call.textContent = segment.text;
      parent.appendChild(call);
      continue;
    }
    if (!segment.url) {
      parent.appendChild(doc.createTextNode(segment.text));
      continue;
    }
    const link = doc.createElement("a");
    link.href = segment.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = segment.text;
    if (newWindowHint) {
      const hint = doc.createElement("span");
      hint.className = "xf-visually-hidden";
      hint.textContent = newWindowHint;
      link.appendChild(hint);
    }
    parent.appendChild(link);
  }
  return parent;
}

/** A bot message's body: one paragraph per line, the 来源： line as a citation, the 查询编号： line
 * with its number highlighted and ``afterTrackingNumber(number, highlightedElement)`` (a node) after it. */
export function renderBotText(doc, text, newWindowHint, { afterTrackingNumber } = {}) {
  const body = doc.createDocumentFragment();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const tracking = TRACKING_LINE.exec(line.trim());
    if (line.trimStart().startsWith(SOURCE_PREFIX)) {
      const source = doc.createElement("p");
      source.className = "xf-source";
      appendLinkedText(source, line.trim(), newWindowHint);
      body.appendChild(source);
    } else if (tracking) {
      const [, label, number, rest] = tracking;
      const paragraph = doc.createElement("p");
      paragraph.className = "xf-tracking-line";
      const highlighted = doc.createElement("strong");
      highlighted.className = "xf-tracking-number";
      highlighted.textContent = number;
      paragraph.append(doc.createTextNode(label), highlighted);
      appendLinkedText(paragraph, rest, newWindowHint);
      if (afterTrackingNumber) paragraph.append(afterTrackingNumber(number, highlighted));
      body.appendChild(paragraph);
    } else {
      body.appendChild(appendLinkedText(doc.createElement("p"), line, newWindowHint));
    }
  }
  return body;
}

/** A user's message: plain text, line breaks kept by CSS (white-space: pre-wrap). */
export function renderPlainText(doc, text) {
  const paragraph = doc.createElement("p");
  paragraph.textContent = text;
  return paragraph;
}

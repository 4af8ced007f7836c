// The widget's DOM inside its shadow root: launcher button, chat panel (a non-modal dialog),
// message log, quick replies, typing indicator, connection status and the message input.
// Content is only ever inserted as text (see rich-text.js); no innerHTML anywhere.
import { renderBotText, renderPlainText } from "./rich-text.js";
import { copyText } from "./clipboard.js";
import { caseKind } from "./saved-cases.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function element(doc, tag, { className, text, attrs } = {}) {
  const el = doc.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, value);
  return el;
}

function chatIcon(doc) {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "xf-icon");
  const path = doc.createElementNS(SVG_NS, "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  return svg;
}

/** Payloads of the 有帮助 / 没帮助 buttons the action server puts under knowledge answers. */
const FEEDBACK_PAYLOAD = "/feedback";

export class ChatView {
  /**
   * @param root the shadow root to build in
   * @param config resolved configuration (title, colours, lang, position)
   * @param t the UI strings
   * @param handlers onOpen(), onClose(), onSend(payload, shownText), onElderToggle(on), onNewConversation(),
   *   onCheckCase(trackingNumber)
   */
  constructor(root, config, t, handlers) {
    this.root = root;
    this.doc = root.ownerDocument;
    this.t = t;
    this.handlers = handlers;
    this.activeQuickReplies = []; // the groups of buttons still offered (since the last user message)
    // Phones and tablets: focusing the input pops the on-screen keyboard up over the answers.
    const view = this.doc.defaultView;
    this.touchScreen = view && view.matchMedia ? view.matchMedia("(hover: none) and (pointer: coarse)") : null;
    this.build(config);
  }

  build(config) {
    const { doc, t } = this;
    const container = element(doc, "div", { className: `xf-root xf-${config.position}`, attrs: { lang: config.lang } });
    container.style.setProperty("--xf-primary", config.primaryColor);
    container.style.setProperty("--xf-on-primary", config.primaryTextColor);

    this.launcher = element(doc, "button", {
      className: "xf-launcher",
      attrs: { type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "xf-panel", "aria-label": t.launcherLabel },
    });
    this.launcher.append(chatIcon(doc), element(doc, "span", { text: t.launcher }));
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));

    this.panel = element(doc, "section", {
      className: "xf-panel",
      attrs: { id: "xf-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "xf-title", tabindex: "-1" },
    });
    this.panel.hidden = true;
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      } else if (event.key === "Tab") {
        this.keepTabInPanel(event);
      }
    });

    // A div, not <header>: inside the page a <header> is a second "banner" landmark.
    const header = element(doc, "div", { className: "xf-header" });
    const title = element(doc, "h2", { className: "xf-title", text: config.title, attrs: { id: "xf-title", title: config.title } });
    this.elderButton = element(doc, "button", {
      className: "xf-tool xf-elder-toggle",
      text: t.elder,
      attrs: { type: "button", "aria-pressed": "false", title: t.elderLabel },
    });
    this.elderButton.addEventListener("click", () => this.handlers.onElderToggle(!this.elderMode));
    const newButton = element(doc, "button", {
      className: "xf-tool xf-new",
      text: t.newConversation,
      attrs: { type: "button", title: t.newConversationLabel },
    });
    newButton.addEventListener("click", () => this.handlers.onNewConversation());
    const closeButton = element(doc, "button", {
      className: "xf-tool xf-close",
      attrs: { type: "button", "aria-label": t.closeLabel, title: t.closeLabel },
    });
    closeButton.append(element(doc, "span", { text: "×", attrs: { "aria-hidden": "true" } }));
    closeButton.addEventListener("click", () => this.close());
    header.append(title, this.elderButton, newButton, closeButton);

    this.status = element(doc, "p", { className: "xf-status", attrs: { role: "status" } });
    this.log = element(doc, "div", {
      className: "xf-log",
      attrs: { role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": t.logLabel, tabindex: "0" },
    });
    // The log stays at its latest message while the citizen has not scrolled up, also when its
    // size changes after the fact (the stylesheet arriving after a reload, elder mode, rotation).
    this.pinnedToEnd = true;
    this.log.addEventListener("scroll", () => {
      this.pinnedToEnd = this.log.scrollHeight - this.log.clientHeight - this.log.scrollTop < 24;
    });
    const view = doc.defaultView;
    if (view && view.ResizeObserver) {
      new view.ResizeObserver(() => {
        if (this.pinnedToEnd) this.scrollToEnd();
      }).observe(this.log);
    }
    this.typing = element(doc, "p", { className: "xf-typing", attrs: { role: "status" } });
    this.typing.hidden = true;

    const form = element(doc, "form", { className: "xf-compose" });
    const label = element(doc, "label", { className: "xf-visually-hidden", text: t.inputLabel, attrs: { for: "xf-input" } });
    this.input = element(doc, "textarea", {
      className: "xf-input",
      attrs: { id: "xf-input", rows: "1", maxlength: "2000", placeholder: this.placeholder(), autocomplete: "off", enterkeyhint: "send" },
    });
    if (this.touchScreen && this.touchScreen.addEventListener) {
      this.touchScreen.addEventListener("change", () => this.input.setAttribute("placeholder", this.placeholder()));
    }
    this.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter is a new line; Enter that confirms an IME candidate is not a send.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.fitInput());
    const send = element(doc, "button", { className: "xf-send", text: t.send, attrs: { type: "submit" } });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    form.append(label, this.input, send);
    const footer = element(doc, "p", { className: "xf-footer", text: t.footer });

    this.panel.append(header, this.status, this.log, this.typing, this.buildSavedCases(), form, footer);
    container.append(this.panel, this.launcher);
    this.container = container;
    this.root.appendChild(container);
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  get elderMode() {
    return this.container.classList.contains("xf-elder");
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.container.classList.add("xf-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.scrollToEnd();
    if (focus) this.focusInPanel();
    this.handlers.onOpen();
  }

  get onTouchScreen() {
    return Boolean(this.touchScreen && this.touchScreen.matches);
  }

  /** The input's hint: "press Enter" only where there is a keyboard to press it on. */
  placeholder() {
    return this.onTouchScreen ? this.t.placeholderTouch : this.t.placeholder;
  }

  /** Keyboard focus into the panel: the input, or on a touch screen the panel itself (no keyboard pop-up). */
  focusInPanel() {
    if (this.onTouchScreen) this.panel.focus();
    else this.input.focus();
  }

  /** Tab and Shift+Tab go round the open panel's controls instead of leaving for the page (Esc leaves). */
  keepTabInPanel(event) {
    const controls = [...this.panel.querySelectorAll("button, textarea, a[href], [tabindex]")].filter(
      (el) => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0,
    );
    if (controls.length === 0) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const active = this.root.activeElement;
    if (event.shiftKey && (active === first || active === this.panel)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  }

  close() {
    if (!this.isOpen) return;
    this.panel.hidden = true;
    this.container.classList.remove("xf-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
    this.handlers.onClose();
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.fitInput();
    this.handlers.onSend(text, text);
  }

  /** Grow the box with its text (the stylesheet caps it); empty, it is back at its one-line height.
   * scrollHeight includes the padding, so it is converted to the box-sizing's height. */
  fitInput() {
    const box = this.input;
    box.style.removeProperty("height");
    if (!box.value || box.scrollHeight <= box.clientHeight) return;
    const style = this.doc.defaultView.getComputedStyle(box);
    const px = (name) => parseFloat(style.getPropertyValue(name)) || 0;
    const height =
      style.boxSizing === "border-box"
        ? box.scrollHeight + px("border-top-width") + px("border-bottom-width")
        : box.scrollHeight - px("padding-top") - px("padding-bottom");
    box.style.height = `${Math.ceil(height)}px`;
  }

  setElder(on) {
    // The larger text makes the log taller without resizing it: stay at the newest message.
    const atEnd = this.pinnedToEnd;
    this.container.classList.toggle("xf-elder", on);
    this.elderButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (atEnd) this.scrollToEnd();
  }

  /** kind: "" (connected), "connecting", "reconnecting" or "down". */
  setStatus(kind, text = "") {
    this.status.dataset.kind = kind;
    this.status.textContent = text;
    this.status.hidden = !text;
  }

  setTyping(on) {
    this.typing.hidden = !on;
    this.typing.textContent = on ? this.t.typing : "";
  }

  message(role, speaker) {
    const item = element(this.doc, "div", { className: `xf-msg xf-msg-${role}` });
    item.append(element(this.doc, "span", { className: "xf-visually-hidden", text: speaker }));
    const bubble = element(this.doc, "div", { className: "xf-bubble" });
    item.append(bubble);
    return { item, bubble };
  }

  append(item) {
    this.log.appendChild(item);
    this.scrollToEnd();
  }

  addUser(text) {
    this.settleQuickReplies();
    const { item, bubble } = this.message("user", this.t.you);
    bubble.appendChild(renderPlainText(this.doc, text));
    this.append(item);
  }

  /** A bot message with its quick replies (if any) right under it. */
  addBot(text, quickReplies = []) {
    const { item, bubble } = this.message("bot", this.t.assistant);
    const afterTrackingNumber = (number, highlighted) => this.copyControl(number, highlighted);
    bubble.appendChild(renderBotText(this.doc, text, this.t.newWindow, { afterTrackingNumber }));
    this.append(item);
    this.addQuickReplies(quickReplies);
  }

  addNote(text) {
    const { item, bubble } = this.message("note", this.t.notice);
    bubble.appendChild(renderPlainText(this.doc, text));
    this.append(item);
  }

  /** A 复制 button for a tracking number, with a visible result (已复制, or how to copy by hand). */
  copyControl(number, highlighted) {
    const { doc, t } = this;
    const control = element(doc, "span", { className: "xf-copy" });
    const button = element(doc, "button", {
      className: "xf-copy-button",
      text: t.copy,
      attrs: { type: "button", "aria-label": `${t.copy}${t.trackingNumber} ${number}` },
    });
    const result = element(doc, "span", { className: "xf-copy-result", attrs: { role: "status" } });
    button.addEventListener("click", async () => {
      result.textContent = "";
      const copied = await copyText(this.root, number);
      result.dataset.ok = copied ? "true" : "false";
      result.textContent = copied ? t.copied : t.copyFailed;
      if (!copied && highlighted) doc.getSelection().selectAllChildren(highlighted); // ready to copy by hand
    });
    control.append(button, result);
    return control;
  }

  /** 我的办件: a disclosure above the input, shown once a tracking number is saved (see showSavedCases). */
  buildSavedCases() {
    const { doc, t } = this;
    this.savedCases = element(doc, "div", { className: "xf-cases" });
    this.savedCases.hidden = true;
    this.savedCasesToggle = element(doc, "button", {
      className: "xf-cases-toggle",
      attrs: { type: "button", "aria-expanded": "false", "aria-controls": "xf-cases-list" },
    });
    this.savedCasesList = element(doc, "ul", { className: "xf-cases-list", attrs: { id: "xf-cases-list", "aria-label": t.savedCases } });
    this.savedCasesList.hidden = true;
    this.savedCasesToggle.addEventListener("click", () => this.toggleSavedCases(this.savedCasesList.hidden));
    this.savedCases.append(this.savedCasesToggle, this.savedCasesList);
    return this.savedCases;
  }

  toggleSavedCases(open) {
    this.savedCasesList.hidden = !open;
    this.savedCasesToggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  /** The saved tracking numbers, each with 复制 and 查询进度 (which starts the status lookup). */
  showSavedCases(numbers) {
    const { doc, t } = this;
    this.savedCases.hidden = numbers.length === 0;
    this.savedCasesToggle.textContent = `${t.savedCases}（${numbers.length}）`;
    this.savedCasesList.replaceChildren(
      ...numbers.map((number) => {
        const entry = element(doc, "li", { className: "xf-case" });
        const highlighted = element(doc, "strong", { className: "xf-tracking-number", text: number });
        const check = element(doc, "button", {
          className: "xf-copy-button",
          text: t.checkCase,
          attrs: { type: "button", "aria-label": `${t.checkCase}：${number}` },
        });
        check.addEventListener("click", () => {
          this.toggleSavedCases(false);
          this.input.focus();
          this.handlers.onCheckCase(number);
        });
        const kind = element(doc, "span", { className: "xf-case-kind", text: t.caseKinds[caseKind(number)] });
        entry.append(highlighted, kind, this.copyControl(number, highlighted), check);
        return entry;
      }),
    );
  }

  /** The handoff payload: the human channels in short, with a call link for phones. */
  addHandoff() {
    const { item, bubble } = this.message("note", this.t.notice);
    item.classList.add("xf-handoff");
    item.setAttribute("role", "note");
    const call = element(this.doc, "a", { className: "xf-call", text: this.t.handoffCall, attrs: { href: "tel:12345" } });
    bubble.append(
      element(this.doc, "strong", { text: this.t.handoffTitle }),
      element(this.doc, "p", { text: this.t.handoffText }),
      call,
    );
    this.append(item);
  }

  /** The buttons under a bot message. They send their payload and show their title while they are the
   * latest offer; once the citizen has sent something else they stay under their message for
   * reading only (disabled): an old 取消, 同意 or 跳过 would answer whatever is being asked now. */
  addQuickReplies(replies) {
    if (!Array.isArray(replies) || replies.length === 0) return;
    const usable = replies.filter((reply) => reply && typeof reply.title === "string" && typeof reply.payload === "string");
    // 有帮助 / 没帮助 under an answer (payloads "/feedback…"): a compact pair of their own.
    const isFeedback = (reply) => reply.payload.startsWith(FEEDBACK_PAYLOAD);
    this.addReplyGroup(usable.filter((reply) => !isFeedback(reply)), "xf-quick-replies", this.t.quickRepliesLabel);
    this.addReplyGroup(usable.filter(isFeedback), "xf-quick-replies xf-feedback", this.t.feedbackLabel);
  }

  addReplyGroup(replies, className, label) {
    if (replies.length === 0) return;
    const group = element(this.doc, "div", { className, attrs: { role: "group", "aria-label": label } });
    for (const reply of replies) {
      const button = element(this.doc, "button", { className: "xf-quick-reply", text: reply.title, attrs: { type: "button" } });
      button.addEventListener("click", () => {
        this.focusInPanel(); // the buttons are disabled: keep the keyboard focus in the widget
        this.handlers.onSend(reply.payload, reply.title);
      });
      group.appendChild(button);
    }
    if (!group.firstChild) return;
    this.activeQuickReplies.push(group);
    this.append(group);
  }

  /** The offered buttons become a record of what was offered (see addQuickReplies). */
  settleQuickReplies() {
    for (const group of this.activeQuickReplies) {
      group.setAttribute("aria-label", this.t.pastQuickRepliesLabel);
      for (const button of group.querySelectorAll("button")) button.disabled = true;
    }
    this.activeQuickReplies = [];
  }

  clearLog() {
    this.activeQuickReplies = [];
    this.log.replaceChildren();
  }

  scrollToEnd() {
    this.pinnedToEnd = true;
    this.log.scrollTop = this.log.scrollHeight;
  }
}

// Wires the pieces: configuration, the remembered conversation, the Rasa session and the view.
import { resolveConfig } from "./config.js";
import { strings } from "./i18n.js";
import { ChatView } from "./chat-view.js";
import { RasaSession } from "./rasa-session.js";
import { ConversationStore, openStorage } from "./transcript.js";
import { SavedCases, receiptTrackingNumber } from "./saved-cases.js";

// After this many failed reconnects in a row, say that the assistant is down (it keeps retrying).
const ATTEMPTS_BEFORE_DOWN = 3;
// A turn that produced no reply at all (e.g. a failed action) must not leave "typing" forever.
const REPLY_WAIT_MS = 60000;

/** Start the widget on the page; called by widget.js with its own <script> element. */
export function startWidget({ scriptElement, scriptUrl, globalConfig, stylesheetUrl }) {
  const config = resolveConfig(globalConfig, scriptElement, scriptUrl);
  const t = strings(config.lang);
  const key = `xinfang-widget:${config.server}`;
  const store = new ConversationStore(openStorage("localStorage"), key, { idleMinutes: config.idleMinutes });
  const tab = openStorage("sessionStorage"); // whether the panel was open, for reloads
  const savedCases = new SavedCases(openStorage("localStorage"), key); // 我的办件: kept through 新对话

  const host = document.createElement("div");
  host.id = "xinfang-widget";
  host.style.display = "none"; // until the stylesheet has loaded
  const root = host.attachShadow({ mode: "open" });
  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = stylesheetUrl;
  stylesheet.addEventListener("load", () => host.style.removeProperty("display"));
  stylesheet.addEventListener("error", () => host.style.removeProperty("display"));
  root.appendChild(stylesheet);

  let session = null;
  let initSent = false;
  let connected = false;
  let awaitingReply = false;
  let replyTimer = null;

  const updateTyping = () => view.setTyping(awaitingReply && connected);
  const expectReply = (on) => {
    awaitingReply = on;
    clearTimeout(replyTimer);
    if (on) replyTimer = setTimeout(() => expectReply(false), REPLY_WAIT_MS);
    updateTyping();
  };

  const render = (item) => {
    if (item.role === "user") view.addUser(item.text);
    else if (item.role === "bot") view.addBot(item.text, item.quickReplies);
    else if (item.role === "handoff") view.addHandoff();
    else view.addNote(item.text);
  };

  const sendInitPayload = () => {
    if (initSent || !config.initPayload || store.items.length > 0) return;
    initSent = true;
    session.send(config.initPayload);
    expectReply(true);
  };

  const ensureSession = () => {
    if (session) return;
    session = new RasaSession({
      server: config.server,
      socketPath: config.socketPath,
      sessionId: store.sessionId,
      filedIn: () => savedCases.sessions,
      onSession: (id, previous) => {
        store.setSessionId(id);
        if (previous && store.items.length > 0) {
          // The stored session was refused (e.g. malformed): the assistant will not remember it.
          view.addNote(t.newSessionNote);
          store.add({ role: "note", text: t.newSessionNote });
        }
      },
      onMessage: (message) => {
        expectReply(false);
        if (message.kind === "handoff") {
          view.addHandoff();
          store.add({ role: "handoff", text: "" });
          return;
        }
        view.addBot(message.text, message.quickReplies);
        store.add({ role: "bot", text: message.text, quickReplies: message.quickReplies });
        const filed = receiptTrackingNumber(message.text);
        if (filed && savedCases.add(filed)) view.showSavedCases(savedCases.numbers);
        if (filed) savedCases.addSession(session.sessionId);
      },
      onStatus: (state, detail) => {
        connected = state === "connected";
        if (state === "connected") view.setStatus("");
        else if (state === "connecting" && !view.status.textContent) view.setStatus("connecting", t.connecting);
        else if (state === "disconnected") {
          const down = !detail.everConnected || detail.attempt >= ATTEMPTS_BEFORE_DOWN;
          view.setStatus(down ? "down" : "reconnecting", down ? t.down : t.reconnecting);
        }
        updateTyping();
      },
      onError: (error) => {
        expectReply(false);
        const text = t.serverError + (typeof error.message === "string" ? error.message : String(error.code || ""));
        view.addNote(text);
      },
    });
    session.start();
  };

  const view = new ChatView(root, config, t, {
    onOpen: () => {
      tab.setItem(`${key}:open`, "1");
      ensureSession();
      sendInitPayload();
    },
    onClose: () => tab.removeItem(`${key}:open`),
    onSend: (payload, shownText) => send(payload, shownText),
    onCheckCase: (number) => send(`查询办理进度 ${number}`, `查询办理进度 ${number}`),
    onElderToggle: (on) => {
      view.setElder(on);
      store.elderMode = on;
    },
    onNewConversation: () => {
      if (store.items.length > 0 && !window.confirm(t.confirmNewConversation)) return;
      store.clear();
      view.clearLog();
      expectReply(false);
      initSent = false;
      if (session) session.reset();
      sendInitPayload();
    },
  });

  /** Show and remember the citizen's message, then send it (queued while disconnected). */
  function send(payload, shownText) {
    ensureSession();
    view.addUser(shownText);
    store.add({ role: "user", text: shownText });
    if (!session.send(payload)) {
      view.addNote(t.outboxFull);
      return;
    }
    if (!connected) view.addNote(t.queued);
    expectReply(true);
  }

  // Restore what the citizen saw before the reload, each message's buttons under it (the ones
  // offered since the last user message still work).
  for (const item of store.items) render(item);
  view.setElder(store.elderMode);
  view.showSavedCases(savedCases.numbers);
  view.setStatus("");

  document.body.appendChild(host);
  if (tab.getItem(`${key}:open`) === "1") view.open({ focus: false });
  return view;
}

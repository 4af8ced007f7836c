// The widget's own texts (the assistant's replies come from Rasa). zh-CN is the default.
const STRINGS = {
  "zh-CN": {
    launcher: "在线咨询",
    launcherLabel: "在线咨询（打开智能助手对话窗口）",
    close: "关闭",
    closeLabel: "关闭对话窗口",
    elder: "长辈模式",
    elderLabel: "长辈模式：更大字体、更高对比度",
    newConversation: "新对话",
    newConversationLabel: "清除本机的对话记录并开始新对话",
    confirmNewConversation: "确定清除本机的对话记录并开始新的对话吗？",
    logLabel: "对话记录",
    quickRepliesLabel: "可选回复",
    inputLabel: "输入您的问题",
    placeholder: "请输入您的问题，按回车发送",
    placeholderTouch: "请输入您的问题",
    send: "发送",
    you: "您：",
    assistant: "助手：",
    notice: "提示：",
    typing: "助手正在回复…",
    connecting: "正在连接…",
    reconnecting: "连接中断，正在重连…",
    down: "助手暂时无法连接，请稍后再试，或拨打 12345 市民服务热线",
    queued: "消息已保留，连接恢复后自动发送。",
    outboxFull: "未发送的消息过多，请等待连接恢复后再发送。",
    newWindow: "（在新窗口打开）",
    handoffTitle: "人工服务",
    handoffText: "本助手不能直接为您接通工作人员，联系方式见上一条回复。",
    handoffCall: "拨打 12345",
    serverError: "消息未能处理：",
    newSessionNote: "已开始新的对话。",
    footer: "智能助手回答仅供参考；紧急情况请拨打 110。",
  },
  en: {
    launcher: "Ask us",
    launcherLabel: "Ask us (open the assistant chat)",
    close: "Close",
    closeLabel: "Close the chat window",
    elder: "Large text",
    elderLabel: "Large text and high contrast",
    newConversation: "New chat",
    newConversationLabel: "Clear this device's chat history and start a new chat",
    confirmNewConversation: "Clear this device's chat history and start a new chat?",
    logLabel: "Conversation",
    quickRepliesLabel: "Suggested replies",
    inputLabel: "Type your question",
    placeholder: "Type your question and press Enter",
    placeholderTouch: "Type your question",
    send: "Send",
    you: "You: ",
    assistant: "Assistant: ",
    notice: "Note: ",
    typing: "The assistant is replying…",
    connecting: "Connecting…",
    reconnecting: "Connection lost, reconnecting…",
    down: "The assistant cannot be reached right now. Please try again later or call the 12345 citizen hotline.",
    queued: "Your message will be sent when the connection is back.",
    outboxFull: "Too many unsent messages; please wait for the connection.",
    newWindow: " (opens in a new window)",
    handoffTitle: "Talk to a person",
    handoffText: "This assistant cannot put you through to a person; the ways to reach one are in the reply above.",
    handoffCall: "Call 12345",
    serverError: "The message could not be processed: ",
    newSessionNote: "A new conversation has started.",
    footer: "Answers are for reference only; in an emergency call 110.",
  },
};

export const DEFAULT_LANGUAGE = "zh-CN";

/** The supported tag for ``lang`` ("zh-CN", "zh-Hans", "en-GB", …): English or, by default, Chinese. */
export function languageTag(lang) {
  return String(lang || "").split("-")[0].toLowerCase() === "en" ? "en" : DEFAULT_LANGUAGE;
}

export function strings(lang) {
  return STRINGS[languageTag(lang)];
}

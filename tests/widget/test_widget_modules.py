"""The widget's modules one by one, in Chromium (imported from the web service like the widget
imports them): socket.io packet encoding, the socket client against a scripted WebSocket, text
rendering, stored transcript and configuration."""
from __future__ import annotations

from typing import Any

import pytest

from tests.support.stack import RunningAssistant

pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.fixture
def modules(page: Any, assistant: RunningAssistant) -> Any:
    """``modules(js)`` runs ``js`` (an async function body with ``load(name)``) in the page."""
    page.goto(assistant.web_url + "/demo/demo.css")  # any document of the widget's origin

    def run(body: str, arg: Any = None) -> Any:
        return page.evaluate(
            "async (arg) => { const load = (name) => import('/widget/src/' + name + '.js');" + body + "}", arg
        )

    return run


def test_engine_url_uses_websocket_schemes_and_keeps_a_proxy_path(modules):
    assert modules("const p = await load('protocol'); return [p.engineUrl('http://127.0.0.1:5005'),"
                   " p.engineUrl('https://assistant.example.gov.cn/rasa/', 'socket.io')];") == [
        "ws://127.0.0.1:5005/socket.io/?EIO=4&transport=websocket",
        "wss://assistant.example.gov.cn/rasa/socket.io/?EIO=4&transport=websocket",
    ]
    assert modules("const p = await load('protocol');"
                   " try { p.engineUrl('javascript:alert(1)'); return 'accepted'; } catch (e) { return 'refused'; }") == "refused"


def test_socket_io_packets_are_decoded_and_encoded(modules):
    decoded = modules("""const p = await load('protocol');
        return ['2["bot_uttered",{"text":"你好"}]', '0{"sid":"abc"}', '2/admin,["x"]', '212["ack"]', '2["broken', '']
            .map((text) => p.decodeSocket(text));""")
    assert decoded == [
        {"type": "2", "namespace": "/", "id": None, "payload": ["bot_uttered", {"text": "你好"}]},
        {"type": "0", "namespace": "/", "id": None, "payload": {"sid": "abc"}},
        {"type": "2", "namespace": "/admin", "id": None, "payload": ["x"]},
        {"type": "2", "namespace": "/", "id": 12, "payload": ["ack"]},
        None,
        None,
    ]
    assert modules("const p = await load('protocol');"
                   " return [p.encodeConnect(), p.encodeEvent('user_uttered', {message: '<b>', session_id: 'a'})];") == [
        "40", '42["user_uttered",{"message":"<b>","session_id":"a"}]',
    ]


def test_reconnect_delays_grow_with_jitter_up_to_the_cap(modules):
    delays = modules("""const p = await load('protocol');
        return [p.reconnectDelay(0, {}, () => 0), p.reconnectDelay(0, {}, () => 1), p.reconnectDelay(2, {}, () => 1),
                p.reconnectDelay(10, {}, () => 1), p.reconnectDelay(500, {}, () => 0.5)];""")
    assert delays == [500, 1000, 4000, 30000, 22500]


SCRIPTED_SOCKET = """
    const {SocketIOClient} = await load('socketio-client');
    const sockets = [];
    class ScriptedWebSocket {  // the server's side is played by the test
        constructor(url) { this.url = url; this.sent = []; sockets.push(this); }
        send(frame) { this.sent.push(frame); }
        close() { if (!this.closed) { this.closed = true; setTimeout(() => this.onclose && this.onclose(), 0); } }
        receive(frame) { this.onmessage({data: frame}); }
    }
    const states = [], events = [];
    const client = new SocketIOClient('http://rasa.test:5005', {WebSocketImpl: ScriptedWebSocket, minDelayMs: 1, maxDelayMs: 2});
    client.onState((state, detail) => states.push([state, detail.attempt || 0, !!detail.everConnected]));
    client.on('bot_uttered', (payload) => events.push(payload));
    const waitFor = (check) => new Promise((resolve) => { const poll = () => check() ? resolve() : setTimeout(poll, 5); poll(); });
"""


def test_socket_client_handshake_heartbeat_events_and_reconnect(modules):
    result = modules(SCRIPTED_SOCKET + """
        client.connect();
        const first = sockets[0];
        first.receive('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
        const afterOpen = [...first.sent];
        const emittedBefore = client.emit('user_uttered', {message: 'early'});
        first.receive('40{"sid":"s1"}');
        first.receive('2');
        first.receive('42["bot_uttered",{"text":"你好"}]');
        first.receive('42["other_event",{"text":"ignored"}]');
        const emitted = client.emit('user_uttered', {message: '在吗', session_id: 'x'});
        first.receive('1');  // the server closes the connection
        await waitFor(() => sockets.length === 2);
        const url = first.url;
        client.close();
        return {url, afterOpen, emittedBefore, emitted, sent: first.sent, events, states};
    """)
    assert result["url"] == "ws://rasa.test:5005/socket.io/?EIO=4&transport=websocket"
    assert result["afterOpen"] == ["40"]
    assert result["emittedBefore"] is False  # not connected to the namespace yet
    assert result["emitted"] is True
    assert result["sent"] == ["40", "3", '42["user_uttered",{"message":"在吗","session_id":"x"}]']
    assert result["events"] == [{"text": "你好"}]
    assert result["states"][:4] == [
        ["connecting", 0, False], ["connected", 0, False], ["disconnected", 1, True], ["connecting", 0, False],
    ]
    assert result["states"][-1] == ["closed", 0, False]


def test_socket_client_treats_a_silent_server_as_a_dropped_connection(modules):
    states = modules(SCRIPTED_SOCKET + """
        client.connect();
        sockets[0].receive('0{"sid":"e1","pingInterval":20,"pingTimeout":20}');
        sockets[0].receive('40{"sid":"s1"}');
        await waitFor(() => sockets.length === 2);  // no ping arrived: closed and reopened
        client.close();
        return states;
    """)
    assert states[:3] == [["connecting", 0, False], ["connected", 0, False], ["disconnected", 1, True]]


def test_a_refused_first_connection_is_reported_as_never_connected(modules):
    states = modules(SCRIPTED_SOCKET + """
        client.connect();
        sockets[0].close();
        await waitFor(() => sockets.length === 2);
        sockets[1].close();
        await waitFor(() => sockets.length === 3);
        client.close();
        return states;
    """)
    assert states[:4] == [["connecting", 0, False], ["disconnected", 1, False], ["connecting", 0, False], ["disconnected", 2, False]]


def test_links_are_built_only_for_http_urls_and_nothing_else_becomes_markup(modules):
    segments = modules("""const r = await load('rich-text');
        return [r.splitLinks('详见 https://www.gov.cn/zhengce/a.htm。谢谢'),
                r.splitLinks('(see http://example.com/x).'),
                r.splitLinks('javascript:alert(1) data:text/html,<b>x</b> ftp://example.com/')];""")
    assert segments == [
        [{"text": "详见 "}, {"url": "https://www.gov.cn/zhengce/a.htm", "text": "https://www.gov.cn/zhengce/a.htm"}, {"text": "。谢谢"}],
        [{"text": "(see "}, {"url": "http://example.com/x", "text": "http://example.com/x"}, {"text": ")."}],
        [{"text": "javascript:alert(1) data:text/html,<b>x</b> ftp://example.com/"}],
    ]
    rendered = modules("""const r = await load('rich-text');
        const box = document.createElement('div');
        box.appendChild(r.renderBotText(document,
            '答复 <b>粗体</b><img src=x onerror=window.__xss=1> https://example.gov.cn/a\\n来源：《信访工作条例》第三十四条', '（新窗口）'));
        const link = box.querySelector('a');
        return {paragraphs: box.querySelectorAll('p').length, markup: box.querySelectorAll('b, img').length,
                href: link.href, target: link.target, rel: link.rel, linkText: link.textContent,
                source: box.querySelector('p.xf-source').textContent, first: box.querySelector('p').textContent};""")
    assert rendered == {
        "paragraphs": 2,
        "markup": 0,
        "href": "https://example.gov.cn/a",
        "target": "_blank",
        "rel": "noopener noreferrer",
        "linkText": "https://example.gov.cn/a（新窗口）",
        "source": "来源：《信访工作条例》第三十四条",
        "first": "答复 <b>粗体</b><img src=x onerror=window.__xss=1> https://example.gov.cn/a（新窗口）",
    }


def test_service_numbers_become_call_links_and_other_numbers_do_not(modules):
    segments = modules("""const r = await load('rich-text');
        return [r.splitLinksAndNumbers('请立即拨打：报警 110，急救 120，火警 119。'),
                r.splitLinksAndNumbers('拨打“12345”市民服务热线，或 12348。'),
                r.splitLinksAndNumbers('120日内办结，编号 JY20261122K7Q2MX，电话 021-12345678，11012'),
                r.splitLinksAndNumbers('见 https://example.gov.cn/110 页')];""")
    assert segments == [
        [{"text": "请立即拨打：报警 "}, {"tel": "110", "text": "110"}, {"text": "，急救 "}, {"tel": "120", "text": "120"},
         {"text": "，火警 "}, {"tel": "119", "text": "119"}, {"text": "。"}],
        [{"text": "拨打“"}, {"tel": "12345", "text": "12345"}, {"text": "”市民服务热线，或 "}, {"tel": "12348", "text": "12348"},
         {"text": "。"}],
        [{"text": "120日内办结，编号 JY20261122K7Q2MX，电话 021-12345678，11012"}],
        [{"text": "见 "}, {"url": "https://example.gov.cn/110", "text": "https://example.gov.cn/110"}, {"text": " 页"}],
    ]
    hrefs = modules("""const r = await load('rich-text');
        const box = document.createElement('div');
        box.appendChild(r.renderBotText(document, '报警 110，急救 120', '（新窗口）'));
        return [...box.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.textContent, a.target]);""")
    assert hrefs == [["tel:110", "110", ""], ["tel:120", "120", ""]]


def test_the_stored_transcript_is_bounded_and_forgotten_when_idle(modules):
    result = modules("""const t = await load('transcript');
        const memory = new Map();
        const storage = {getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, String(v)),
                         removeItem: (k) => memory.delete(k)};
        let now = 1000000;
        const store = new t.ConversationStore(storage, 'k', {idleMinutes: 60, now: () => now});
        store.setSessionId('abc');
        for (let i = 0; i < 150; i++) store.add({role: 'user', text: 'm' + i});
        const reopened = new t.ConversationStore(storage, 'k', {idleMinutes: 60, now: () => now + 59 * 60000});
        const expired = new t.ConversationStore(storage, 'k', {idleMinutes: 60, now: () => now + 61 * 60000});
        memory.set('k:conversation', '{not json');
        const corrupt = new t.ConversationStore(storage, 'k', {now: () => now});
        const big = t.boundItems(Array.from({length: 10}, (_, i) => ({role: 'bot', text: 'x'.repeat(30000) + i})));
        return {count: reopened.items.length, first: reopened.items[0].text, session: reopened.sessionId,
                expired: [expired.items.length, expired.sessionId], corrupt: corrupt.items.length,
                bigCount: big.length, bigLast: big[big.length - 1].text.slice(-1)};""")
    assert result == {
        "count": 100, "first": "m50", "session": "abc", "expired": [0, None], "corrupt": 0, "bigCount": 3, "bigLast": "9",
    }


def test_configuration_precedence_and_validation(modules):
    configs = modules("""const c = await load('config');
        const tag = document.createElement('script');
        tag.setAttribute('data-title', '标签标题');
        tag.setAttribute('data-primary-color', 'red;} body {display:none');
        const fromTag = c.resolveConfig({title: '对象标题', primaryColor: '#0d47a1', server: 'https://rasa.example/x/', lang: 'en-US'},
                                        tag, 'https://cdn.example/widget/widget.js');
        const fallback = c.resolveConfig({server: 'javascript:alert(1)', lang: 'fr', position: 'top'}, null,
                                         'https://cdn.example/widget/widget.js');
        return [fromTag, fallback];""")
    from_tag, fallback = configs
    assert from_tag["title"] == "标签标题"  # data-* wins over the object
    assert from_tag["primaryColor"] == "#b71c1c"  # an invalid colour falls back to the default
    assert from_tag["server"] == "https://rasa.example/x"
    assert from_tag["lang"] == "en"
    assert fallback["server"] == "https://cdn.example"  # not http(s): the script's own origin
    assert fallback["lang"] == "zh-CN"
    assert fallback["position"] == "right"


def test_bot_payloads_become_messages_and_unknown_ones_are_ignored(modules):
    messages = modules("""const s = await load('rasa-session');
        return [{type: 'handoff', reason: 'citizen_request'},
                {text: '请选择', quick_replies: [{title: '同意', payload: '同意'}, {title: 3}, null]},
                {attachment: {type: 'image', payload: {src: 'https://example.gov.cn/a.png'}}},
                {custom: {x: 1}}, null, {text: '   '}].map(s.normaliseBotMessage);""")
    assert messages == [
        {"kind": "handoff", "text": ""},
        {"kind": "text", "text": "请选择", "quickReplies": [{"title": "同意", "payload": "同意"}]},
        {"kind": "text", "text": "https://example.gov.cn/a.png", "quickReplies": []},
        None,
        None,
        None,
    ]


def test_my_cases_keep_only_valid_tracking_numbers_newest_first_up_to_the_limit(modules):
    result = modules("""const c = await load('saved-cases');
        const memory = new Map();
        const storage = {getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, String(v)),
                         removeItem: (k) => memory.delete(k)};
        const cases = new c.SavedCases(storage, 'k', 3);
        const added = ['JY20261122K7Q2MX', 'XF20261122ABCDEF', '13600001111', 'JY20261123K7Q2MX', 'JY20261122K7Q2MX',
                       'XF20261124ABCDEF'].map((n) => cases.add(n));
        const kept = cases.numbers, stored = JSON.parse(memory.get('k:cases'));
        memory.set('k:cases', JSON.stringify(['<b>x</b>', {name: '赵敏'}, 'XF20261125ABCDEF']));
        const cleaned = cases.numbers;
        memory.set('k:cases', '{not json');
        return {added, kept, stored, cleaned, corrupt: cases.numbers,
                receipts: ['您的人民建议已提交成功。\\n查询编号：JY20261122K7Q2MX\\n请妥善保存查询编号',
                           '查询编号：JY20261122K7Q2MX（人民建议）\\n当前状态：已提交',
                           '请输入您的查询编号（以 XF 或 JY 开头，例如 JY20261122K7Q2MX）。'].map(c.receiptTrackingNumber)};""")
    assert result == {
        "added": [True, True, False, True, True, True],
        "kept": ["XF20261124ABCDEF", "JY20261122K7Q2MX", "JY20261123K7Q2MX"],
        "stored": ["XF20261124ABCDEF", "JY20261122K7Q2MX", "JY20261123K7Q2MX"],  # numbers only, capped
        "cleaned": ["XF20261125ABCDEF"],
        "corrupt": [],
        "receipts": ["JY20261122K7Q2MX", None, None],  # only the filing confirmation saves a number
    }


def test_only_a_tracking_number_line_highlights_its_number(modules):
    rendered = modules("""const r = await load('rich-text');
        const box = document.createElement('div');
        box.appendChild(r.renderBotText(document,
            '查询编号：JY20261122K7Q2MX（人民建议）\\n请输入您的查询编号（例如 JY20261122K7Q2MX）。', '',
            {afterTrackingNumber: (number) => document.createTextNode('[' + number + ']')}));
        return [...box.querySelectorAll('p')].map((p) => [p.className, p.textContent,
            [...p.querySelectorAll('.xf-tracking-number')].map((n) => n.textContent)]);""")
    assert rendered == [
        ["xf-tracking-line", "查询编号：JY20261122K7Q2MX（人民建议）[JY20261122K7Q2MX]", ["JY20261122K7Q2MX"]],
        ["", "请输入您的查询编号（例如 JY20261122K7Q2MX）。", []],  # an example number is not one to copy
    ]

import json

from bot.tracker_store import redact_event_data
from core.personal_data.masking import redact_personal_data
from core.settings import load_settings, parse_staff_tokens
from launch.rasa_files import credentials, endpoints, lock_store_config, tracker_store_config
from launch.training import training_fingerprint

import pytest


def test_settings_defaults_and_bad_values() -> None:
    cfg = load_settings({})
    assert (cfg.rasa_port, cfg.action_port, cfg.web_port) == (5005, 5055, 8080)
    assert cfg.database_url.startswith("sqlite:///") and cfg.data_dir.name == "var"
    with pytest.raises(ValueError, match="RASA_PORT"):
        load_settings({"RASA_PORT": "五千"})
    alice, bob = "a" * 24, "b-" + "7" * 30
    assert parse_staff_tokens(f"alice:{alice}, bob:{bob}") == {alice: "alice", bob: "bob"}
    with pytest.raises(ValueError):
        parse_staff_tokens("alice")


def test_tracker_store_and_lock_store_configuration() -> None:
    sqlite = tracker_store_config("sqlite:////tmp/x/tracker.db")
    assert sqlite == {"type": "bot.tracker_store.RedactingSQLTrackerStore", "dialect": "sqlite", "db": "/tmp/x/tracker.db"}
    pg = tracker_store_config("postgresql://bot:secret@db.internal:5433/rasa")
    assert pg["dialect"] == "postgresql" and pg["url"] == "db.internal" and pg["port"] == 5433 and pg["password"] == "secret"
    assert tracker_store_config("memory") is None
    assert lock_store_config("redis://:pw@cache:6380/2") == {"type": "redis", "url": "cache", "port": 6380, "password": "pw", "db": 2}
    assert "lock_store" not in endpoints(load_settings({}), "s3cret")
    action = endpoints(load_settings({"ACTION_PORT": "6055"}), "s3cret")["action_endpoint"]
    assert action == {"url": "http://127.0.0.1:6055/webhook", "headers": {"X-Action-Secret": "s3cret"}}


def test_rest_and_socketio_channels_are_always_enabled() -> None:
    channels = credentials(())
    assert "bot.connectors.rest.GuardedRestInput" in channels  # Rasa's rest channel, made safe (name "rest")
    assert any("socketio" in name.lower() for name in channels)


def test_fingerprint_changes_with_any_training_input(tmp_path) -> None:
    (tmp_path / "data").mkdir()
    config, nlu = tmp_path / "config.yml", tmp_path / "data" / "nlu.yml"
    config.write_text("pipeline: []", encoding="utf-8")
    nlu.write_text("- 你好", encoding="utf-8")
    inputs = (config, tmp_path / "data")
    original = training_fingerprint(inputs, root=tmp_path)
    assert training_fingerprint(inputs, root=tmp_path) == original
    nlu.write_text("- 您好", encoding="utf-8")
    changed = training_fingerprint(inputs, root=tmp_path)
    assert changed != original
    (tmp_path / "data" / "more.yml").write_text("", encoding="utf-8")
    assert training_fingerprint(inputs, root=tmp_path) not in (original, changed)


def test_personal_numbers_are_masked_in_free_text() -> None:
    text = "我的手机是139 1234 5678，身份证11010519491231002X，座机021-12345678"
    masked = redact_personal_data(text)
    assert "139****5678" in masked and "1101**********002X" in masked
    assert "12345678" in masked  # a landline is not a mobile number
    assert "1391234" not in masked.replace(" ", "")


def test_stored_events_are_redacted_in_every_text_field() -> None:
    event = {"event": "user", "text": "13912345678", "parse_data": {"text": "13912345678", "original_text": "１３９１２３４５６７８",
             "entities": [{"entity": "x", "value": "13912345678"}]}}
    stored = json.dumps(redact_event_data(event), ensure_ascii=False)
    assert "13912345678" not in stored and stored.count("139****5678") == 4


@pytest.mark.parametrize("raw, named", [("alice:tok1", "alice"), ("bob:" + "x" * 23, "bob"),
                                        (f"a:{'t' * 30},b:{'t' * 30}", "b")])
def test_short_or_shared_staff_tokens_are_refused_with_a_clear_message(raw: str, named: str) -> None:
    with pytest.raises(ValueError, match=f"STAFF_TOKENS：工作人员“{named}”") as refused:
        load_settings({"STAFF_TOKENS": raw})
    assert "tok1" not in str(refused.value) and "x" * 23 not in str(refused.value)

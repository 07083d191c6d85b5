from __future__ import annotations

import json
import logging

import pytest

from kiosk.settings import SETTINGS_FILE, Settings, SettingsError, load_settings, save_settings


def test_a_kiosk_that_was_never_set_up_has_no_settings(data_dir):
    assert load_settings(data_dir) is None


def test_settings_round_trip(data_dir):
    chosen = Settings(
        center_id="central-service-hall",
        services=["free-canteen"],
        default_language="en",
        idle_timeout_s=45,
    )
    save_settings(data_dir, chosen)
    assert load_settings(data_dir) == chosen
    assert json.loads((data_dir / SETTINGS_FILE).read_text())["settings_version"] == 1


def test_a_wrong_value_falls_back_to_its_default_and_says_which(data_dir, caplog):
    (data_dir / SETTINGS_FILE).write_text(
        json.dumps({"idle_timeout_s": "thirty", "center_id": "c1", "still_there_s": 3})
    )
    with caplog.at_level(logging.ERROR, logger="kiosk.settings"):
        settings = load_settings(data_dir)
    assert settings is not None
    assert settings.center_id == "c1"
    assert settings.idle_timeout_s == 30
    assert settings.still_there_s == 15
    assert "idle_timeout_s" in caplog.text
    assert "still_there_s" in caplog.text


def test_unreadable_settings_are_a_clear_error(data_dir):
    (data_dir / SETTINGS_FILE).write_text("{not json")
    with pytest.raises(SettingsError, match=r"settings\.json: not valid JSON"):
        load_settings(data_dir)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("idle_timeout_s", 5),
        ("still_there_s", 9),
        ("default_language", "fr"),
        ("comment_max_len", 5000),
        ("speech_rate", 40),
        ("speech_volume", 11),
    ],
)
def test_saving_refuses_values_outside_their_range(data_dir, field, value):
    with pytest.raises(SettingsError, match=field):
        save_settings(data_dir, Settings(**{field: value}))
    assert load_settings(data_dir) is None


def test_a_listen_setting_out_of_range_falls_back_to_its_default_alone(data_dir, caplog):
    (data_dir / SETTINGS_FILE).write_text(
        json.dumps({"speech_rate": 900, "speech_volume": 3, "listen_button": False})
    )
    with caplog.at_level(logging.ERROR, logger="kiosk.settings"):
        settings = load_settings(data_dir)
    assert settings is not None
    assert (settings.speech_rate, settings.speech_volume) == (150, 3)
    assert settings.listen_button is False
    assert "speech_rate" in caplog.text

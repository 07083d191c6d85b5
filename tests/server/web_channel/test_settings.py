"""The web channel's settings come from ``UKUK_WEB_*`` variables, or refuse them by name."""

from __future__ import annotations

import pytest

from server.web_channel.settings import SettingsError, WebSettings


def test_defaults_and_overrides() -> None:
    assert WebSettings.from_env({}) == WebSettings()
    made = WebSettings.from_env(
        {
            "UKUK_WEB_MIN_FILL_S": "1.5",
            "UKUK_WEB_ADDRESS_LIMIT": "3",
            "UKUK_WEB_EMBED_ORIGINS": "https://city.example.ge https://www.city.example.ge",
            "UKUK_WEB_CUSTOM_CSS": " /etc/ukukavshiri/site.css ",
            "UKUK_WEB_GLOBAL_LIMIT": "  ",
        }
    )
    assert made.min_fill_s == 1.5 and made.address_limit == 3
    assert made.embed_origins == ("https://city.example.ge", "https://www.city.example.ge")
    assert made.custom_css == "/etc/ukukavshiri/site.css"
    assert made.global_limit == WebSettings().global_limit


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("UKUK_WEB_ADDRESS_LIMIT", "ten", "UKUK_WEB_ADDRESS_LIMIT='ten' is not a number"),
        ("UKUK_WEB_MIN_FILL_S", "-1", "UKUK_WEB_MIN_FILL_S must not be negative"),
    ],
)
def test_unusable_values_are_named(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        WebSettings.from_env({name: value})

"""Kiosk settings, each declared once with its type, default and meaning.

Stored as ``settings.json`` in the data dir (written atomically). A file from an older version
is upgraded on load; a value of the wrong type is reported with the setting's name instead of
crashing the kiosk, and the default is used for it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kiosk.files import atomic_write

log = logging.getLogger("kiosk.settings")

SETTINGS_FILE = "settings.json"
SETTINGS_VERSION = 1


class SettingsError(ValueError):
    """A settings value that cannot be used."""


@dataclass
class Settings:
    """Everything staff can choose about one kiosk."""

    center_id: str = field(default="", metadata={"doc": "Service center this kiosk stands in."})
    services: list[str] = field(
        default_factory=list,
        metadata={"doc": "Program/service ids shown, in order; empty shows the whole catalog."},
    )
    default_language: str = field(default="ka", metadata={"doc": "Language at Welcome: ka or en."})
    idle_timeout_s: int = field(
        default=30, metadata={"doc": "Seconds without a touch before 'Still there?' appears."}
    )
    still_there_s: int = field(
        default=15, metadata={"doc": "Seconds the 'Still there?' prompt waits (at least 10)."}
    )
    thanks_s: int = field(default=5, metadata={"doc": "Seconds the thank-you screen stays."})
    comment_max_len: int = field(default=500, metadata={"doc": "Longest comment, in characters."})
    ask_comment: bool = field(default=True, metadata={"doc": "Offer the optional comment step."})
    theme: str = field(default="demo", metadata={"doc": "Theme name or path of a theme file."})
    hide_cursor: bool = field(
        default=True, metadata={"doc": "Hide the mouse pointer in fullscreen kiosk mode."}
    )
    cooldown_s: float = field(
        default=2.0, metadata={"doc": "Seconds after a rating before the next session can start."}
    )
    burst_count: int = field(
        default=5, metadata={"doc": "More ratings than this within burst_window_s are flagged."}
    )
    burst_window_s: int = field(default=60, metadata={"doc": "Window for burst detection, s."})
    listen_button: bool = field(
        default=True,
        metadata={"doc": "Offer the Listen button (spoken guidance) where this tablet can speak."},
    )
    speech_rate: int = field(
        default=150,
        metadata={"doc": "How fast Listen speaks, in words a minute.", "range": (80, 260)},
    )
    speech_volume: int = field(
        default=6,
        metadata={
            "doc": "Volume each citizen's Listen starts at: 1 (quiet) to 10.",
            "range": (1, 10),
        },
    )

    def validate(self) -> None:
        for name, (low, high) in _RANGES.items():
            if not low <= getattr(self, name) <= high:
                raise SettingsError(f"{name} must be between {low} and {high}")
        if self.default_language not in ("ka", "en"):
            raise SettingsError("default_language must be 'ka' or 'en'")
        if not 10 <= self.idle_timeout_s <= 600:
            raise SettingsError("idle_timeout_s must be between 10 and 600 seconds")
        if not 10 <= self.still_there_s <= 120:
            raise SettingsError("still_there_s must be between 10 and 120 seconds (WCAG 2.2.1)")
        if not 2 <= self.thanks_s <= 60:
            raise SettingsError("thanks_s must be between 2 and 60 seconds")
        if not 0 <= self.cooldown_s <= 30:
            raise SettingsError("cooldown_s must be between 0 and 30 seconds")
        if self.burst_count < 1 or self.burst_window_s < 1:
            raise SettingsError("burst_count and burst_window_s must be at least 1")
        if not 0 <= self.comment_max_len <= 2000:
            raise SettingsError("comment_max_len must be between 0 and 2000")

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["settings_version"] = SETTINGS_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        settings = cls()
        defaults = cls()
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            expected = type(getattr(defaults, f.name))
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                log.error(
                    "setting %s: expected %s, got %r; using the default",
                    f.name,
                    expected.__name__,
                    value,
                )
                continue
            if f.name in _RANGES and not _RANGES[f.name][0] <= value <= _RANGES[f.name][1]:
                log.error("setting %s: %r is out of range; using the default", f.name, value)
                continue
            setattr(settings, f.name, value)
        try:
            settings.validate()
        except SettingsError as exc:
            log.error("settings: %s; using the defaults for timing", exc)
            for name in ("idle_timeout_s", "still_there_s", "thanks_s", "default_language"):
                setattr(settings, name, getattr(defaults, name))
        return settings


_RANGES: dict[str, tuple[int, int]] = {
    f.name: f.metadata["range"] for f in fields(Settings) if "range" in f.metadata
}
"""Settings whose value must lie in a range, declared with the setting itself."""


def setting_range(name: str) -> tuple[int, int]:
    """The least and the most a ranged setting may be."""
    return _RANGES[name]


def load_settings(data_dir: Path) -> Settings | None:
    """The saved settings, or None when this kiosk was never set up."""
    path = data_dir / SETTINGS_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: must hold a JSON object")
    return Settings.from_json(data)


def save_settings(data_dir: Path, settings: Settings) -> None:
    settings.validate()
    atomic_write(data_dir / SETTINGS_FILE, json.dumps(settings.to_json(), indent=2).encode())

"""The tablet's battery charge, for the heartbeat, read where the OS tells it cheaply.

Linux exposes it in sysfs; Windows tablets through ``GetSystemPowerStatus``. Anything else (a
desktop, an unreadable file) is "unknown" rather than an error: a heartbeat must never fail
for want of a battery reading.
"""

from __future__ import annotations

from pathlib import Path

POWER_SUPPLY = Path("/sys/class/power_supply")


def battery_percent(power_supply: Path = POWER_SUPPLY) -> int | None:
    """Battery charge in percent (Linux sysfs, Windows API), else None."""
    if power_supply.is_dir():
        for supply in sorted(power_supply.iterdir()):
            try:
                if (supply / "type").read_text().strip() != "Battery":
                    continue
                return int((supply / "capacity").read_text().strip())
            except (OSError, ValueError):
                continue
        return None
    return _windows_battery_percent()


def _windows_battery_percent() -> int | None:  # pragma: no cover - Windows only
    try:
        import ctypes

        class _PowerStatus(ctypes.Structure):
            _fields_ = [
                ("ACLineStatus", ctypes.c_byte),
                ("BatteryFlag", ctypes.c_byte),
                ("BatteryLifePercent", ctypes.c_byte),
                ("SystemStatusFlag", ctypes.c_byte),
                ("BatteryLifeTime", ctypes.c_ulong),
                ("BatteryFullLifeTime", ctypes.c_ulong),
            ]

        status = _PowerStatus()
        if not ctypes.windll.kernel32.GetSystemPowerStatus(ctypes.byref(status)):  # type: ignore[attr-defined]
            return None
        percent = status.BatteryLifePercent & 0xFF
        return None if percent == 255 else int(percent)
    except (ImportError, AttributeError, OSError):
        return None

"""Ukukavshiri kiosk core: settings, storage and the citizen flow (no Qt here)."""

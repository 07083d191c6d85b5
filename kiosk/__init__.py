"""Ukukavshiri kiosk core: catalog, settings, storage and the citizen flow (no Qt here)."""

__version__ = "0.1.0"

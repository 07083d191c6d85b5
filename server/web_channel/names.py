"""How the web chains are told apart from kiosks in the ``kiosks`` table (no heavy imports,
so the kiosk commands can keep them out cheaply)."""

from __future__ import annotations

from common.records import Channel

WEB_STATUS = "web"
"""``kiosks.status`` of a web chain: never listed, enrolled or revoked as a kiosk."""
WEB_CHANNELS = (Channel.WEB_VERIFIED, Channel.WEB_OPEN)


def chain_name(channel: Channel, center_id: str) -> str:
    """``web-verified@<center_id>`` or ``web-open@<center_id>``."""
    return f"{channel.value}@{center_id}"


def is_web_chain_name(name: str) -> bool:
    """Whether a kiosk name is reserved for a web chain."""
    return any(name.startswith(f"{channel.value}@") for channel in WEB_CHANNELS)

"""Which channels each figure counts.

Kiosk ratings and web ratings made with a one-time code both come from people who used the
service (a code is handed out with it), so together they make the headline figures. Anyone
can rate through the open link, so its ratings are counted apart and never mixed into them.
"""

from __future__ import annotations

from common.records import Channel

KIOSK = Channel.KIOSK.value
WEB_VERIFIED = Channel.WEB_VERIFIED.value
WEB_OPEN = Channel.WEB_OPEN.value

HEADLINE: tuple[str, ...] = (KIOSK, WEB_VERIFIED)
"""The channels of the headline figures."""
ALL: tuple[str, ...] = (KIOSK, WEB_VERIFIED, WEB_OPEN)
"""Every channel, in the order the pages show them."""

"""Sync, enrollment and storage problems in plain, translated words, by the machine code the
sync layer, the server or the storage give them (their own messages are English, for logs;
the storage's are worded once, in :class:`kiosk.errors.StorageError`, and translated here)."""

from __future__ import annotations

from kiosk.errors import StorageError
from ui.i18n import N_, _
from ui.speech import SpeechSupport

PROBLEMS = {
    "code_invalid": N_("This enrollment code is not valid. Check it, or ask for a new one."),
    "code_expired": N_("This enrollment code has expired. Ask the administrator for a new one."),
    "device_conflict": N_(
        "The server already knows this kiosk with another key. Ask the administrator to "
        "revoke the old entry, then try again."
    ),
    "rate_limited": N_("Too many attempts. Wait a few minutes and try again."),
    "network": N_("The server cannot be reached. Check the address and the network."),
    "timeout": N_("The server did not answer in time. Check the network and try again."),
    "tls": N_("The server's certificate was not accepted."),
    "bad_answer": N_("The server's answer could not be read; it will be tried again."),
    "server_error": N_("The server had a problem; it will be tried again."),
    "unknown_device": N_(
        "The server does not know this kiosk. Enroll it again; its ratings wait on this tablet."
    ),
    "revoked": N_(
        "This kiosk was switched off on the server. Enroll it again; its ratings wait on this "
        "tablet."
    ),
    "bad_signature": N_("The server did not accept this kiosk's signature. Enroll it again."),
    "clock_skew": N_("The tablet's clock is too far from the server's. Set the date and time."),
    "files": N_("The kiosk's key or enrollment file cannot be read. Enroll it again."),
    "demo": N_(
        "This is the demo kiosk: its ratings are made up and are never sent to a server. "
        "Start the kiosk without --demo to connect it."
    ),
}


def problem_text(code: str | None, fallback: str) -> str:
    """The translated sentence for ``code``, or the sync layer's own words."""
    if code in PROBLEMS:
        return _(PROBLEMS[code])
    storage = StorageError.MESSAGES
    return _(storage[code]) if code in storage else fallback


def storage_problem(error: StorageError) -> str:
    """A storage condition in the staff language."""
    return problem_text(error.kind, str(error))


def listen_state(support: SpeechSupport | None, offered: bool) -> str:
    """Whether citizens get the Listen button, and if not, why."""
    if support is None:
        return _("Listen (spoken guidance): checking whether this tablet can speak…")
    if not support.ready:
        problem = speech_problem(support)
        return _("Listen (spoken guidance) is not offered: {problem}").format(problem=problem)
    if not offered:
        return _("Listen (spoken guidance) is turned off in the settings.")
    return _("Listen (spoken guidance) is offered to citizens.")


def speech_problem(support: SpeechSupport) -> str:
    """Why this tablet cannot speak, in the staff language."""
    if support.problem is None:
        return ""
    return _(support.problem).format(languages=support.detail, error=support.detail)

"""Speech for Listen mode: a small sink interface and its espeak-ng implementation.

espeak-ng (a separate program, offline, with Georgian and English voices) speaks each
utterance as a process of its own. A worker thread starts it and waits for it, so the GUI
thread never waits for a process to start or for a sentence to end; a new utterance, or
``stop()``, kills the one still speaking.

Whether this tablet can speak is found out on a worker too (:func:`probe_speech`): the program,
its two voices and a sound output. Until then, and when any is missing, the Listen button is
hidden and the staff panel says why.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ui.i18n import N_

if TYPE_CHECKING:
    import subprocess  # at run time only when speaking: not on the start-up path

log = logging.getLogger("ui.speech")

PROGRAM = "espeak-ng"
VOICES = {"ka": "ka", "en": "en"}
"""espeak-ng's voice for each kiosk language."""
VOLUME_STEPS = 10
"""Volumes run from 1 to this; each step is a tenth of espeak-ng's amplitude range."""
LONGEST_S = 120
"""No utterance speaks longer than this; a process that does is killed."""

NOT_INSTALLED = N_("espeak-ng is not installed.")
NO_VOICE = N_("espeak-ng has no voice for: {languages}.")
NOT_WORKING = N_("espeak-ng does not work: {error}")
NO_SOUND = N_("No sound output was found: connect headphones or a speaker.")


def amplitude(volume: int) -> int:
    """espeak-ng's amplitude (0 to 200; 100 is its own default) for a volume of 1 to 10."""
    return 20 * max(1, min(VOLUME_STEPS, volume))


class SpeechSink(Protocol):
    """Where Listen mode sends what it says. ``speak`` and ``stop`` return at once."""

    volume: int
    """1 to :data:`VOLUME_STEPS`; used from the next utterance on."""
    rate: int
    """Words a minute; used from the next utterance on."""

    def speak(self, text: str, language: str) -> None:
        """Say ``text`` in ``language`` ("ka" or "en"), cutting off whatever is being said."""

    def stop(self) -> None:
        """Be silent now."""

    def close(self) -> None:
        """Stop for good (the app is closing)."""


@dataclass(frozen=True)
class SpeechSupport:
    """Whether this tablet can speak: the program found, or why it cannot (English source
    text with ``{languages}`` / ``{error}`` filled from ``detail``; translated where shown)."""

    program: str | None
    problem: str | None = None
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.program is not None and self.problem is None


def has_sound_output() -> bool:
    """A sound server (PulseAudio, PipeWire) or an ALSA playback device, on Linux; other
    systems always have a default output to try."""
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("PULSE_SERVER"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        folder = Path(runtime)
        if (folder / "pulse" / "native").exists() or any(folder.glob("pipewire-*")):
            return True
    devices = Path("/dev/snd")
    return devices.is_dir() and any(devices.glob("pcmC*D*p"))


def probe_speech(
    find: Callable[[str], str | None] | None = None,
    sound: Callable[[], bool] = has_sound_output,
) -> SpeechSupport:
    """Run on a worker, never on the GUI thread: it starts espeak-ng once per voice.
    ``find`` looks a program up (the ``PATH``'s, by default)."""
    import shutil
    import subprocess

    program = (find or shutil.which)(PROGRAM)
    if program is None:
        return SpeechSupport(None, NOT_INSTALLED)
    missing = []
    for language, voice in VOICES.items():
        try:
            result = subprocess.run(
                [program, "-q", "-v", voice, "a"], capture_output=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return SpeechSupport(None, NOT_WORKING, str(exc))
        if result.returncode != 0:
            missing.append(language)
    if missing:
        return SpeechSupport(None, NO_VOICE, ", ".join(missing))
    if not sound():
        return SpeechSupport(None, NO_SOUND)
    return SpeechSupport(program)


@dataclass(frozen=True)
class _Utterance:
    turn: int
    command: list[str]
    text: str


Popen = Callable[..., "subprocess.Popen[bytes]"]


class EspeakSink:
    """A :class:`SpeechSink` that runs espeak-ng; ``popen`` starts the process (tests may
    put a stand-in for the sound card there)."""

    def __init__(
        self, program: str, rate: int = 150, volume: int = 6, popen: Popen | None = None
    ) -> None:
        import subprocess

        self.program = program
        self.rate = rate
        self.volume = volume
        self._popen: Popen = popen or subprocess.Popen
        self._queue: queue.SimpleQueue[_Utterance | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._turn = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.problem: str | None = None
        """What espeak-ng last complained about (no sound device, …), for the log."""
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def command(self, language: str) -> list[str]:
        """How espeak-ng is started: the text comes on standard input, as UTF-8, so no text
        is ever read as an option."""
        return [
            self.program,
            "-v",
            VOICES[language],
            "-s",
            str(self.rate),
            "-a",
            str(amplitude(self.volume)),
            "-b",
            "1",
            "--stdin",
        ]

    def speak(self, text: str, language: str) -> None:
        turn = self._interrupt()
        self._queue.put(_Utterance(turn, self.command(language), text))

    def stop(self) -> None:
        self._interrupt()

    def close(self) -> None:
        self._interrupt()
        self._queue.put(None)
        self._thread.join(timeout=5)

    def speaking(self) -> bool:
        with self._lock:
            return self._process is not None

    def _interrupt(self) -> int:
        """Start a new turn: whatever an older turn is saying is killed (a signal, which
        returns at once)."""
        with self._lock:
            self._turn += 1
            process, self._process = self._process, None
            turn = self._turn
        if process is not None:
            process.kill()
        return turn

    def _current(self, turn: int) -> bool:
        with self._lock:
            return turn == self._turn

    def _run(self) -> None:
        """The worker: one utterance at a time, skipping those already overtaken."""
        while True:
            utterance = self._queue.get()
            if utterance is None:
                return
            if not self._current(utterance.turn):
                continue
            try:
                self._say(utterance)
            except Exception:
                log.exception("speech failed")

    def _say(self, utterance: _Utterance) -> None:
        import subprocess

        try:
            process = self._popen(
                utterance.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            self._complain(str(exc))
            return
        with self._lock:
            current = utterance.turn == self._turn
            if current:
                self._process = process
        if not current:
            process.kill()
        try:
            _out, errors = process.communicate(utterance.text.encode("utf-8"), timeout=LONGEST_S)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, errors = process.communicate()
        with self._lock:
            if self._process is process:
                self._process = None
        if current and process.returncode == 0 and _complaint(errors):
            self._complain(_complaint(errors))

    def _complain(self, problem: str) -> None:
        if problem != self.problem:
            log.warning("espeak-ng: %s", problem)
        self.problem = problem


def _complaint(errors: bytes | None) -> str:
    """espeak-ng reports a missing sound device on standard error yet exits with 0."""
    lines = (errors or b"").decode("utf-8", "replace").splitlines()
    return next((line for line in lines if line.lower().startswith("error")), "")


__all__ = [
    "PROGRAM",
    "EspeakSink",
    "SpeechSink",
    "SpeechSupport",
    "amplitude",
    "has_sound_output",
    "probe_speech",
]

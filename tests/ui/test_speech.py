"""Speech for Listen: the real espeak-ng speaks Georgian and English at the rate and volume
asked; an utterance is cut off by the next one and by ``stop()``, and never holds up the
caller; what a tablet lacks (the program, a voice, a sound output) is found and named."""

from __future__ import annotations

import array
import math
import shutil
import subprocess
import sys
import threading
import wave
from pathlib import Path

import pytest

from ui.speech import (
    NO_SOUND,
    NO_VOICE,
    NOT_INSTALLED,
    PROGRAM,
    EspeakSink,
    SpeechSupport,
    probe_speech,
)

ESPEAK = shutil.which(PROGRAM)
needs_espeak = pytest.mark.skipif(
    ESPEAK is None, reason="espeak-ng is installed by .ci/apt-packages.txt"
)

GEORGIAN = "რამდენად კმაყოფილი ხართ უფასო სასადილოთი? აირჩიეთ ხუთიდან ერთი სახე."
ENGLISH = "How satisfied are you with the free canteen? Choose one of five faces."


def synthesize(tmp_path: Path, text: str, language: str, rate: int = 150, volume: int = 6):
    """Run espeak-ng exactly as the sink starts it, writing the sound to a WAV file."""
    sink = EspeakSink(ESPEAK or PROGRAM, rate=rate, volume=volume, popen=_never)
    try:
        path = tmp_path / f"{language}-{rate}-{volume}.wav"
        command = [*sink.command(language), "-w", str(path)]
        subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=30)
    finally:
        sink.close()
    with wave.open(str(path), "rb") as sound:
        frames = sound.readframes(sound.getnframes())
        return sound.getnchannels(), sound.getsampwidth(), sound.getframerate(), frames


def _never(*_args, **_kwargs):
    raise AssertionError("this test starts espeak-ng itself")


def seconds(sound) -> float:
    _channels, width, rate, frames = sound
    return len(frames) / width / rate


def loudness(sound) -> float:
    samples = array.array("h", sound[3])
    return math.sqrt(sum(s * s for s in samples) / len(samples))


@needs_espeak
@pytest.mark.parametrize(("language", "text"), [("ka", GEORGIAN), ("en", ENGLISH)])
def test_espeak_ng_says_a_sentence_in_each_language(tmp_path, language, text):
    sound = synthesize(tmp_path, text, language)
    channels, width, rate, _frames = sound
    assert (channels, width) == (1, 2)
    assert rate >= 16000
    # twelve-odd words at 150 a minute: about five seconds, certainly not silence or a stub
    assert 2.0 <= seconds(sound) <= 12.0
    assert loudness(sound) > 300


@needs_espeak
def test_the_rate_and_the_volume_reach_espeak_ng(tmp_path):
    slow = synthesize(tmp_path, GEORGIAN, "ka", rate=90)
    fast = synthesize(tmp_path, GEORGIAN, "ka", rate=250)
    assert seconds(slow) > 1.8 * seconds(fast)
    quiet = synthesize(tmp_path, ENGLISH, "en", volume=2)
    loud = synthesize(tmp_path, ENGLISH, "en", volume=8)
    assert loudness(loud) > 2.5 * loudness(quiet)


@pytest.fixture
def stand_in(tmp_path):
    """Starts a program that takes the place of the sound card: it keeps what it was given
    and stays "speaking" until it is killed."""
    started: list[tuple[list[str], subprocess.Popen, Path]] = []

    def popen(command, **kwargs):
        heard = tmp_path / f"heard-{len(started)}.txt"
        script = (
            "import sys, time; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read()); "
            "time.sleep(60)"
        )
        process = subprocess.Popen([sys.executable, "-c", script, str(heard)], **kwargs)
        started.append((command, process, heard))
        return process

    yield popen, started
    for _command, process, _heard in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_an_utterance_is_cut_off_by_the_next_and_by_stop(qtbot, stand_in):
    popen, started = stand_in
    sink = EspeakSink("espeak-ng", rate=140, volume=7, popen=popen)
    try:
        sink.speak("ქართული ტექსტი", "ka")
        qtbot.waitUntil(lambda: len(started) == 1 and started[0][2].exists())
        first = started[0][1]
        # speak() came back while the first utterance was still being spoken
        assert first.poll() is None
        command, _process, heard = started[0]
        assert command[1:] == ["-v", "ka", "-s", "140", "-a", "140", "-b", "1", "--stdin"]
        qtbot.waitUntil(lambda: heard.read_bytes() == "ქართული ტექსტი".encode())

        sink.volume = 3
        sink.speak("English text", "en")
        qtbot.waitUntil(lambda: len(started) == 2)
        qtbot.waitUntil(lambda: first.poll() is not None)
        second = started[1][1]
        assert second.poll() is None
        assert started[1][0][1:7] == ["-v", "en", "-s", "140", "-a", "60"]

        sink.stop()
        qtbot.waitUntil(lambda: second.poll() is not None)
        qtbot.waitUntil(lambda: not sink.speaking())
    finally:
        sink.close()
    assert "speech" not in [thread.name for thread in threading.enumerate()]


def test_utterances_overtaken_before_they_start_are_never_spoken(qtbot, stand_in):
    popen, started = stand_in
    gate = threading.Event()

    def slow_popen(command, **kwargs):
        gate.wait(10)  # the first start is slow: meanwhile three more utterances arrive
        return popen(command, **kwargs)

    sink = EspeakSink("espeak-ng", popen=slow_popen)
    try:
        for word in ("one", "two", "three", "four"):
            sink.speak(word, "en")
        gate.set()
        qtbot.waitUntil(lambda: bool(started) and started[-1][2].exists())
        qtbot.waitUntil(lambda: started[-1][2].read_bytes() == b"four")
        # "two" and "three" never started; "one" (if the worker took it before it was
        # overtaken) was killed as soon as it started
        assert len(started) <= 2
        assert all(process.wait(10) is not None for _c, process, _h in started[:-1])
        assert started[-1][1].poll() is None
    finally:
        sink.close()


def test_a_missing_program_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert probe_speech() == SpeechSupport(None, NOT_INSTALLED)


def test_a_program_without_the_voices_is_named():
    support = probe_speech(find=lambda _name: "/bin/false", sound=lambda: True)
    assert (support.ready, support.problem, support.detail) == (False, NO_VOICE, "ka, en")


@needs_espeak
def test_a_tablet_without_sound_output_cannot_listen():
    assert probe_speech(sound=lambda: False) == SpeechSupport(None, NO_SOUND)
    ready = probe_speech(sound=lambda: True)
    assert ready.ready
    assert ready.program == ESPEAK

"""Proof of work: a challenge this server made, for this form, solved and in time."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from altcha.v1 import solve_challenge

from server.db import utc_now
from server.web_channel.work import Challenge, make_challenge, solved

KEY = bytes(range(32))


def solution(challenge: Challenge, **changes: object) -> str:
    found = solve_challenge(challenge.challenge, challenge.salt, "SHA-256", challenge.max_number)
    assert found is not None
    payload: dict[str, object] = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": found.number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    payload.update(changes)
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_a_solution_passes_for_its_own_form_only() -> None:
    challenge = make_challenge(KEY, "nonce-1", 500, utc_now())
    assert challenge.salt.startswith("nonce-1.") and "expires=" in challenge.salt
    answer = solution(challenge)
    assert solved(KEY, answer, "nonce-1")
    assert not solved(KEY, answer, "nonce-2")
    assert not solved(b"another key", answer, "nonce-1")


def test_a_wrong_number_or_signature_fails() -> None:
    challenge = make_challenge(KEY, "n", 500, utc_now())
    good = json.loads(base64.b64decode(solution(challenge)))
    wrong_number = solution(challenge, number=good["number"] + 1)
    wrong_signature = solution(challenge, signature="0" * 64)
    assert not solved(KEY, wrong_number, "n")
    assert not solved(KEY, wrong_signature, "n")


def test_an_old_challenge_fails() -> None:
    challenge = make_challenge(KEY, "n", 500, utc_now() - timedelta(minutes=11))
    assert not solved(KEY, solution(challenge), "n")


def test_garbage_fails_quietly() -> None:
    for payload in ("", "!!!", base64.b64encode(b"[1,2]").decode(), "x" * 3000,
                    base64.b64encode(b'{"salt": "n.1"}').decode()):  # fmt: skip
        assert not solved(KEY, payload, "n")

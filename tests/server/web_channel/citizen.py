"""A citizen answering the rating pages through a ``TestClient``, reading the pages as a
browser without JavaScript would: links, forms, hidden fields and redirects."""

from __future__ import annotations

import base64
import html
import json
import re
from typing import Any

import httpx
from altcha.v1 import solve_challenge
from sqlalchemy import Engine, select

from server.db import records
from tests.server.inprocess import TestClient
from tests.server.web_channel.conftest import CENTER, SERVICE

TOKEN = re.compile(r'name="token" value="([^"]+)"')
WORK = re.compile(r'<input type="hidden" name="altcha" value="" ([^>]+)>')
ATTRIBUTE = re.compile(r'data-(\w+)="([^"]*)"')
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def token_of(response: httpx.Response) -> str:
    found = TOKEN.search(response.text)
    assert found is not None, response.text
    return html.unescape(found.group(1))


def heading(response: httpx.Response) -> str:
    found = H1.search(response.text)
    assert found is not None, response.text
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def work_for(response: httpx.Response) -> str:
    """The proof of work a page asks for, solved as the pages' script solves it."""
    found = WORK.search(response.text)
    assert found is not None, "the page carries no challenge"
    data = {k: html.unescape(v) for k, v in ATTRIBUTE.findall(found.group(1))}
    solution = solve_challenge(data["challenge"], data["salt"], "SHA-256", int(data["max"]))
    assert solution is not None
    payload = {
        "algorithm": data["algorithm"],
        "challenge": data["challenge"],
        "number": solution.number,
        "salt": data["salt"],
        "signature": data["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


class Citizen:
    def __init__(self, client: TestClient, lang: str = "en") -> None:
        self.client = client
        self.lang = lang

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params={"lang": self.lang, **params})

    def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 303, (response.status_code, response.text)
        return self.client.get(response.headers["location"])

    def open_faces(self, center: str = CENTER, service: str = SERVICE) -> httpx.Response:
        page = self.get("/rate", center=center, service=service)
        assert page.status_code == 200, page.text
        return page

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return self.client.post(path, data={"lang": self.lang, "website": "", **data})

    def rate(self, token: str, score: int | str, **extra: Any) -> httpx.Response:
        return self.post("/rate/answer", {"token": token, "score": str(score), **extra})

    def reasons(self, token: str, chosen: list[str], action: str = "next") -> httpx.Response:
        return self.post("/rate/reasons", {"token": token, "reason": chosen, "action": action})

    def comment(self, token: str, text: str, action: str = "send") -> httpx.Response:
        return self.post("/rate/comment", {"token": token, "comment": text, "action": action})

    def answer(
        self,
        faces: httpx.Response,
        score: int,
        chosen: list[str] | None = None,
        text: str = "",
    ) -> httpx.Response:
        """A whole answer from a faces page: rating, reasons (skipped when None), comment
        (skipped when empty); the thank-you page."""
        step = self.follow(self.rate(token_of(faces), score))
        if "/rate/reasons" in str(step.url):
            action = "skip" if chosen is None else "next"
            step = self.follow(self.reasons(token_of(step), chosen or [], action))
        assert "/rate/comment" in str(step.url), step.url
        done = self.follow(self.comment(token_of(step), text, "send" if text else "skip"))
        assert done.status_code == 200
        return done


def stored(engine: Engine) -> list[dict[str, Any]]:
    """Every stored record, oldest first, lists decoded."""
    with engine.connect() as conn:
        rows = conn.execute(select(records).order_by(records.c.id)).mappings().all()
    return [
        {**row, "reasons": json.loads(row["reasons"]), "flags": json.loads(row["flags"])}
        for row in rows
    ]

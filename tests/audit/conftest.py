"""A municipal server's database with real signed records, for the audit export and verifier.

:class:`Town` builds it on SQLite or PostgreSQL (skipped without ``UKUK_PG_URL``): two demo
centers with the demo catalog, kiosks enrolled over the API that upload signed batches
(``tests.server.inprocess.LocalKiosk``), a real kiosk store whose export files are imported
(:class:`Tablet`), the web channel's chains written by the server
(``server.web_channel.chains``), and published snapshots built as the public page builds them.
:func:`verifier` loads ``audit/verify.py`` the way a reader runs it: as a file, not a package.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Engine

from common.catalog import demo_catalog_bytes
from common.protocol import DUPLICATE, STORED
from common.records import GENESIS_HASH, Channel
from kiosk.export import write_export
from kiosk.keys import device_key
from kiosk.storage import Draft as TabletDraft
from kiosk.storage import Store
from server.app import create_app
from server.audit_export import write_audit_export
from server.catalogs import store_catalog
from server.enrollment import RateLimit, add_center, reenroll_kiosk
from server.imports import import_file
from server.results.periods import Period
from server.results.snapshots import take_snapshot
from server.web.public import build_body
from server.web_channel.chains import Draft, append, chain_for
from server.web_channel.keys import web_keys
from tests.server.inprocess import LocalKiosk, TestClient, enroll_kiosk, fresh_engine
from tests.server.kiosk_driver import make_record

ROOT = Path(__file__).resolve().parent.parent.parent
VERIFY_PY = ROOT / "audit" / "verify.py"
HALL = "central-service-hall"
AGENCY = "social-service-agency"
FAMILIES = "vulnerable-families"
CANTEEN = "free-canteen"
DOCUMENTS = "service-hall-documents"
Q1 = Period.parse("2026-Q1")
MIN_N = 3
"""The public threshold of the snapshots here: small, so few ratings show every state."""


def verifier() -> ModuleType:
    """``audit/verify.py`` as a module of its own (it is a script, not part of a package)."""
    name = "ukukavshiri_audit_verify"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, VERIFY_PY)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python audit/verify.py …`` as a reader runs it: from a copy of the file alone, in a
    folder with nothing of the project, with no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-I", str(cwd / "verify.py"), *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=env, timeout=120,
        check=False,
    )  # fmt: skip


@pytest.fixture
def alone(tmp_path: Path) -> Path:
    folder = tmp_path / "ngo"
    folder.mkdir()
    (folder / "verify.py").write_bytes(VERIFY_PY.read_bytes())
    return folder


def at(day: str, hour: int = 10) -> str:
    """A UTC created_at on ``day`` (YYYY-MM-DD)."""
    return f"{day}T{hour:02d}:15:00.000000Z"


@dataclass
class Chain:
    """A kiosk's records in seq order, uploaded in signed batches."""

    kiosk: LocalKiosk
    seq: int = 0
    prev_hash: str = GENESIS_HASH
    pending: list[dict[str, Any]] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        return self.kiosk.device_id

    def add(self, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        fields.setdefault("center_id", self.kiosk.center_id)
        record = make_record(self.kiosk.device_id, self.seq, self.prev_hash, **fields)
        self.prev_hash = record["hash"]
        self.pending.append(record)
        return record

    def rating(
        self, score: int, day: str, service: str = FAMILIES, **fields: Any
    ) -> dict[str, Any]:
        return self.add(
            kind="rating", score=score, service_id=service, created_at=at(day), **fields
        )

    def reasons(self, rating: dict[str, Any], *ids: str) -> dict[str, Any]:
        return self.add(
            kind="reasons", rating_uuid=rating["uuid"], service_id=rating["service_id"],
            reasons=ids, created_at=rating["created_at"],
        )  # fmt: skip

    def comment(self, rating: dict[str, Any], text: str) -> dict[str, Any]:
        return self.add(
            kind="comment", rating_uuid=rating["uuid"], service_id=rating["service_id"],
            comment=text, created_at=rating["created_at"],
        )  # fmt: skip

    def send(self) -> list[str]:
        """Upload the pending records as one signed batch; the statuses of the answer."""
        response = self.kiosk.post_batch(self.pending)
        assert response.status_code == 200, response.text
        self.pending = []
        return [result["status"] for result in response.json()["results"]]


class Tablet:
    """A real kiosk store (``kiosk.storage``) with its device key in its folder, whose clock
    stands at the moment the test sets: it rates, writes export files as the kiosk's Export
    button does, and, once enrolled, uploads what is pending."""

    def __init__(self, folder: Path, center: str) -> None:
        self.folder = folder
        self.center = center
        self.moment = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
        self.store = Store(folder / "kiosk.db", clock=lambda: self.moment)
        self.device_id = self.store.device_id
        self.kiosk: LocalKiosk | None = None
        self.files = 0

    def at(self, day: str) -> None:
        self.moment = datetime.fromisoformat(at(day))

    def rate(self, score: int, comment: str | None = None, reasons: tuple[str, ...] = ()) -> None:
        rating = self.store.append(self._draft("rating", None, score=score))
        if reasons:
            self.store.append(self._draft("reasons", rating.uuid, reasons=reasons))
        if comment is not None:
            self.store.append(self._draft("comment", rating.uuid, comment=comment))

    def _draft(self, kind: str, rating_uuid: str | None, **fields: Any) -> TabletDraft:
        return TabletDraft(kind, rating_uuid, self.center, FAMILIES, "2026.1", "ka", **fields)

    def export(self) -> Path:
        """An export file of everything pending, as on a USB stick."""
        self.files += 1
        stick = self.folder / f"usb-{self.files}"
        stick.mkdir()
        return write_export(self.store, stick, self.center).path

    def enroll(self, client: TestClient, code: str) -> None:
        """Enroll over the API with the key its files are signed with."""
        self.kiosk = LocalKiosk(client, self.device_id)
        self.kiosk.key = device_key(self.folder)
        assert self.kiosk.enroll(code).status_code == 201

    def send(self) -> list[str]:
        """Upload every pending record as one signed batch; the statuses of the answer."""
        assert self.kiosk is not None
        pending = self.store.pending(limit=10_000)
        response = self.kiosk.post_batch([record.to_wire() for record in pending])
        assert response.status_code == 200, response.text
        self.store.mark_synced([record.uuid for record in pending])
        return [result["status"] for result in response.json()["results"]]


@dataclass
class Town:
    engine: Engine
    client: TestClient
    backend: str
    workdir: Path

    def kiosk(self, center: str = HALL) -> Chain:
        return Chain(enroll_kiosk(self.engine, self.client, center))

    def tablet(self, center: str = AGENCY) -> Tablet:
        folder = self.workdir / f"tablet-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        return Tablet(folder, center)

    def web(self, channel: Channel, when: datetime, *scores: int, service: str = FAMILIES) -> None:
        """One web answer per score, each appended to the chain of ``channel`` at HALL."""
        keys = web_keys(self.engine)
        for score in scores:
            with self.engine.begin() as conn:
                chain = chain_for(conn, keys.public_key, channel, HALL)
                draft = Draft("rating", None, service, "2026.1", "ka", score=score)
                append(conn, keys.signing, chain, str(uuid.uuid4()), [draft], when, 240)

    def publish(self, period: Period, today: date) -> None:
        take_snapshot(
            self.engine, period, lambda conn: build_body(conn, period, MIN_N), today=today
        )


@contextmanager
def made_town(backend: str, workdir: Path) -> Iterator[Town]:
    """An empty town: the two demo centers, the demo catalog, the API in this process."""
    with fresh_engine(backend, workdir) as engine:
        add_center(engine, HALL, "ცენტრალური დარბაზი", "Central service hall")
        add_center(engine, AGENCY, "სოციალური სამსახური", "Social services office")
        store_catalog(engine, demo_catalog_bytes(), None)
        app = create_app(engine, RateLimit(max_failures=100_000))
        with TestClient(app, raise_server_exceptions=True) as client:
            yield Town(engine, client, backend, workdir)


@pytest.fixture
def town(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Town]:
    """An empty town on the backend the test's ``town`` parameter names (SQLite without)."""
    with made_town(getattr(request, "param", "sqlite"), tmp_path) as made:
        yield made


@dataclass(frozen=True)
class Exported:
    """The audit ZIP of 2026-Q1 of a populated town, and the device id of each kiosk."""

    path: Path
    devices: dict[str, str]


@pytest.fixture(scope="session")
def q1_export(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """One populated town on SQLite, exported once for every test that only reads the ZIP."""
    workdir = tmp_path_factory.mktemp("q1-export")
    with made_town("sqlite", workdir) as made:
        kiosks = populate(made)
        path = workdir / "audit-2026-Q1.zip"
        write_audit_export(made.engine, path, Q1)
    return Exported(path, {name: kiosk.device_id for name, kiosk in kiosks.items()})


def populate(town: Town) -> dict[str, Chain | Tablet]:
    """A first quarter of 2026 with every kind of thing an audit meets; returns what was made.

    - kiosk ``a`` (HALL): ratings in December 2025, January to March and April 2026, with
      reasons, a comment (Georgian, with a quote, line breaks of several kinds, a backslash
      and an emoji) and a burst, in three signed batches; one March rating arrives after the
      quarter was published;
    - kiosk ``b`` (AGENCY): a record the server sets aside (unknown reason) in its chain;
    - kiosk ``c`` (HALL): re-enrolled with a new key between its two batches;
    - tablet ``d`` (AGENCY), a real kiosk store without network: two export files carried on a
      USB stick and imported (seq 1–3, then 1–4; a comment in Georgian with a quote, a line
      separator and an emoji), then enrolled with the key that signed them, it uploads seq 5;
    - the web chains of HALL: three answers with a code, two by the open link;
    - snapshots of 2025 and 2026-Q1, published as the public page publishes them.
    """
    a, b, c = town.kiosk(HALL), town.kiosk(AGENCY), town.kiosk(HALL)
    a.rating(4, "2025-12-20")
    assert a.send() == [STORED]
    first = a.rating(1, "2026-01-05")
    a.reasons(first, "long-wait", "staff-attitude")
    a.comment(first, 'რიგი "ძალიან" გრძელი იყო\nდა ცივოდა\u2028\x85\\ 😀')
    for score, day in ((5, "2026-01-06"), (4, "2026-01-20"), (2, "2026-02-03")):
        a.rating(score, day)
    a.rating(5, "2026-02-03", flags=["burst"])
    assert set(a.send()) == {STORED}
    for score, day in ((3, "2026-02-10"), (4, "2026-03-31"), (5, "2026-03-12")):
        a.rating(score, day, service=CANTEEN)
    a.rating(2, "2026-03-01", service=DOCUMENTS)
    a.rating(1, "2026-04-02")  # local time 2026-04-02: outside the quarter
    assert set(a.send()) == {STORED}

    for score in (5, 4, 4, 2):
        b.rating(score, "2026-02-14")
    refused = b.rating(3, "2026-02-15")
    b.reasons(refused, "no-such-reason")
    b.rating(1, "2026-03-02", service=CANTEEN)
    assert b.send() == [STORED] * 5 + ["rejected", STORED]

    c.rating(3, "2026-01-10")
    c.rating(5, "2026-01-11")
    assert c.send() == [STORED, STORED]
    code = reenroll_kiosk(town.engine, str(c.kiosk.name)).code
    c.kiosk.new_key()
    assert c.kiosk.enroll(code).status_code == 201
    c.rating(4, "2026-02-20")
    assert c.send() == [STORED]

    d = town.tablet(AGENCY)
    d.at("2026-03-05")
    d.rate(2, comment='ნელა "მუშაობენ"\u2028 😀')
    d.rate(5)
    first_file = d.export()
    d.at("2026-03-06")
    d.rate(4)
    second_file = d.export()
    assert import_file(town.engine, first_file).stored == 3
    again = import_file(town.engine, second_file)
    assert (again.stored, again.duplicate) == (1, 3)
    d.enroll(town.client, reenroll_kiosk(town.engine, f"offline-{d.device_id[:8]}").code)
    d.at("2026-03-20")
    d.rate(3)
    assert d.send() == [DUPLICATE] * 4 + [STORED]
    d.store.close()

    town.web(Channel.WEB_VERIFIED, datetime(2026, 2, 11, 9, 0, tzinfo=UTC), 4, 5, 3)
    town.web(Channel.WEB_OPEN, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 1, 5)

    town.publish(Period.parse("2025"), date(2026, 1, 20))
    town.publish(Q1, date(2026, 4, 20))
    a.rating(4, "2026-03-30")  # a kiosk offline till after publication
    assert a.send() == [STORED]
    return {"a": a, "b": b, "c": c, "d": d}

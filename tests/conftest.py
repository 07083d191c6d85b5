"""Shared test set-up: Qt offscreen before any QApplication, a controllable clock, and data
directories under pytest's tmp_path so no test touches a real kiosk's files."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from common.catalog import Catalog, demo_catalog


class FakeClock:
    """Monotonic seconds and a UTC wall clock that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

    def __call__(self) -> float:
        return self.now

    def utc(self) -> datetime:
        return self.wall + timedelta(seconds=self.now - 1000.0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def catalog() -> Catalog:
    return demo_catalog()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def artifacts_dir() -> Callable[[str], Path]:
    """Where tests save screenshots people look at: ``artifacts/<name>/`` in the checkout."""

    def make(name: str) -> Path:
        path = Path(__file__).resolve().parent.parent / "artifacts" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    return make

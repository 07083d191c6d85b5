"""The server's pure rules as plain function tests: no server, no database, milliseconds."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from common.catalog import LANGUAGES, demo_catalog_bytes
from common.protocol import (
    ED25519_D,
    ED25519_P,
    ED25519_SMALL_ORDER_Y,
    MAX_JSON_DEPTH,
    REASON_SCORE_RANGE,
    REASON_UNKNOWN_LANGUAGE,
    REASON_UNKNOWN_REASON,
    REASON_UNKNOWN_SERVICE,
    REASON_WRONG_CENTER,
    is_safe_ed25519_public_key,
)
from common.records import Record
from server.auth import parse_json_object
from server.batches import _gaps, _policy_problem
from server.catalogs import CatalogError, CatalogRules, parse_catalog
from server.errors import ApiError
from server.export import formula_safe
from server.kiosks import flags_for
from tests.server.kiosk_driver import SERVICE, make_record

# -- the high-water mark and the gaps ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "above", "expected"),
    [
        (0, [], (0, [])),
        (0, [1, 2, 3], (3, [])),
        (0, [2, 3], (0, [(1, 1)])),
        (0, [1, 2, 5, 6, 9], (2, [(3, 4), (7, 8)])),
        (4, [5, 7], (5, [(6, 6)])),
        (4, [], (4, [])),
        (10, [12], (10, [(11, 11)])),
        (0, [1, 2**63 - 1], (1, [(2, 2**63 - 2)])),
    ],
)
def test_gaps(mark: int, above: list[int], expected: tuple[int, list[tuple[int, int]]]) -> None:
    assert _gaps(mark, above) == expected


def test_the_mark_never_goes_down() -> None:
    assert _gaps(7, [9]) == (7, [(8, 8)])


# -- policy: center, score, service, language, reasons ----------------------------------------

CATALOG = parse_catalog(demo_catalog_bytes())
OLD = CatalogRules(
    version="2025.1",
    services=CATALOG.services,
    reasons=frozenset({"retired-reason", "long-wait"}),
    languages=frozenset(LANGUAGES),
)


def record(**overrides: Any) -> Record:
    overrides.setdefault("center_id", "tbilisi")
    wire = make_record(str(uuid.uuid4()), 1, **overrides)
    return Record.from_wire(wire)


def problem(rec: Record, current: CatalogRules | None = CATALOG, named: Any = None) -> Any:
    reason = _policy_problem(rec, "tbilisi", current, named)
    return reason[0] if reason else None


def test_catalog_rules_come_from_the_catalog() -> None:
    assert CATALOG.version == "2026.1"
    assert SERVICE in CATALOG.services
    assert {"long-wait", "late-payment"} <= CATALOG.reasons
    assert CATALOG.languages == frozenset(LANGUAGES) == {"ka", "en"}


def test_a_good_record_has_no_problem() -> None:
    assert problem(record()) is None
    assert problem(record(kind="reasons", score=None, reasons=("long-wait",))) is None


def test_center_is_the_senders() -> None:
    rec = record(center_id="batumi")
    assert problem(rec) == REASON_WRONG_CENTER
    assert _policy_problem(rec, None, CATALOG, None) is None  # any center (imports)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"score": 0}, REASON_SCORE_RANGE),
        ({"score": 6}, REASON_SCORE_RANGE),
        ({"score": None}, REASON_SCORE_RANGE),
        ({"kind": "comment", "score": 3, "comment": "x"}, REASON_SCORE_RANGE),
        ({"service_id": "no-such-service"}, REASON_UNKNOWN_SERVICE),
        ({"language": "fr"}, REASON_UNKNOWN_LANGUAGE),
        ({"language": "KA"}, REASON_UNKNOWN_LANGUAGE),
        ({"kind": "reasons", "score": None, "reasons": ("nope",)}, REASON_UNKNOWN_REASON),
        # Checked in the documented order: center, score, service, language, reasons.
        ({"center_id": "x", "score": 9, "language": "fr"}, REASON_WRONG_CENTER),
        ({"score": 9, "service_id": "nope", "language": "fr"}, REASON_SCORE_RANGE),
        ({"service_id": "nope", "language": "fr"}, REASON_UNKNOWN_SERVICE),
    ],
)
def test_policy_reasons(overrides: dict[str, Any], reason: str) -> None:
    assert problem(record(**overrides)) == reason


def test_reasons_are_judged_by_the_named_catalog() -> None:
    retired = record(kind="reasons", score=None, reasons=("retired-reason",))
    assert problem(retired, named=OLD) is None
    assert problem(retired, named=None) == REASON_UNKNOWN_REASON  # the current one judges
    new = record(kind="reasons", score=None, reasons=("late-payment",))
    assert problem(new, named=OLD) == REASON_UNKNOWN_REASON
    assert problem(new, named=CATALOG) is None


def test_without_any_catalog_services_and_reasons_are_open_but_languages_are_not() -> None:
    assert problem(record(service_id="anything"), current=None) is None
    assert problem(record(kind="reasons", score=None, reasons=("x",)), current=None) is None
    assert problem(record(language="de"), current=None) == REASON_UNKNOWN_LANGUAGE
    named_only = record(kind="reasons", score=None, reasons=("x",))
    assert problem(named_only, current=None, named=OLD) == REASON_UNKNOWN_REASON


def test_a_catalog_that_cannot_be_parsed_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="not valid"):
        parse_catalog(b"{}")


# -- Ed25519 keys ------------------------------------------------------------------------------


def _x_for(y: int, sign: int) -> int | None:
    """RFC 8032 5.1.3: x with the given sign for y, or None when y is not on the curve."""
    p = ED25519_P
    u, v = (y * y - 1) % p, (ED25519_D * y * y + 1) % p
    x = u * pow(v, 3, p) * pow(u * pow(v, 7, p), (p - 5) // 8, p) % p
    if v * x * x % p == (-u) % p:
        x = x * pow(2, (p - 1) // 4, p) % p
    if v * x * x % p != u:
        return None
    if x == 0 and sign:
        return None
    return p - x if x % 2 != sign else x


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    p, d = ED25519_P, ED25519_D
    (x1, y1), (x2, y2) = a, b
    t = d * x1 * x2 * y1 * y2 % p
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, p - 2, p) % p
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, p - 2, p) % p
    return x3, y3


def _encode(x: int, y: int, y_as: int | None = None) -> bytes:
    return ((y if y_as is None else y_as) | ((x & 1) << 255)).to_bytes(32, "little")


def small_order_encodings() -> set[bytes]:
    """All 14 encodings of the 8 small-order points, derived here from the curve alone.

    An order-8 point T solves d·y⁴ + 2·y² - 1 = 0; its multiples are the whole 8-torsion.
    Besides the 8 canonical encodings: x = 0 with the sign bit set (identity and order 2), and
    y + p for y = 0 and 1 (with either sign), which still fits in 255 bits.
    """
    order8_y = next(
        y for y in ED25519_SMALL_ORDER_Y if (ED25519_D * y**4 + 2 * y * y - 1) % ED25519_P == 0
    )
    x = _x_for(order8_y, 0)
    assert x is not None
    generator = (x, order8_y)
    points = [(0, 1)]
    for _ in range(7):
        points.append(_add(points[-1], generator))
    assert _add(points[-1], generator) == (0, 1)  # [8]T is the identity
    assert len(set(points)) == 8
    encodings = set()
    for x, y in points:
        signs = {x & 1, 1} if x == 0 else {x & 1}  # x = 0 also as "negative zero"
        for y_as in (y, y + ED25519_P):
            if y_as < 2**255:
                encodings |= {_encode(sign, y, y_as) for sign in signs}
    assert len(encodings) == 14
    return encodings


def test_small_order_y_values_are_right() -> None:
    """Every listed y is a point of order dividing 8, and there are exactly five."""
    assert len(ED25519_SMALL_ORDER_Y) == 5
    for y in ED25519_SMALL_ORDER_Y:
        x = _x_for(y, 0)
        assert x is not None
        point = (x, y)
        total = (0, 1)
        for _ in range(8):
            total = _add(total, point)
        assert total == (0, 1)


@pytest.mark.parametrize("raw", sorted(small_order_encodings()), ids=lambda raw: raw.hex()[:8])
def test_every_small_order_encoding_is_refused(raw: bytes) -> None:
    assert not is_safe_ed25519_public_key(raw)


def test_non_canonical_and_off_curve_keys_are_refused() -> None:
    # y ≥ p: every value from p to 2^255 - 1, with both signs.
    for y in (ED25519_P, ED25519_P + 1, ED25519_P + 5, 2**255 - 1):
        for sign in (0, 1):
            assert not is_safe_ed25519_public_key((y | sign << 255).to_bytes(32, "little"))
    off_curve = next(y for y in range(2, 100) if _x_for(y, 0) is None)
    assert not is_safe_ed25519_public_key(off_curve.to_bytes(32, "little"))
    for length in (0, 31, 33):
        assert not is_safe_ed25519_public_key(bytes(length))


def test_real_keys_are_accepted() -> None:
    for _ in range(200):
        key = Ed25519PrivateKey.generate().public_key()
        assert is_safe_ed25519_public_key(key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    seeded = Ed25519PrivateKey.from_private_bytes(os.urandom(32)).public_key()
    assert is_safe_ed25519_public_key(seeded.public_bytes(Encoding.Raw, PublicFormat.Raw))


# -- JSON bodies -------------------------------------------------------------------------------


def depth(levels: int) -> bytes:
    return b'{"a": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


def test_json_nesting_up_to_the_limit_is_read() -> None:
    assert parse_json_object(depth(MAX_JSON_DEPTH))["a"] is not None


@pytest.mark.parametrize(
    "body",
    [depth(MAX_JSON_DEPTH + 1), depth(100_000), b'{"a": ' * 50_000 + b"0" + b"}" * 50_000],
    ids=["one-past", "arrays", "objects"],
)
def test_json_nested_too_deep_is_malformed(body: bytes) -> None:
    with pytest.raises(ApiError) as caught:
        parse_json_object(body)
    assert (caught.value.status, caught.value.code) == (400, "malformed")


@pytest.mark.parametrize("number", [b"1e400", b"-1e999", b"NaN", b"Infinity", b"-Infinity"])
def test_json_numbers_must_be_finite(number: bytes) -> None:
    """1e400 is valid JSON, but as a float it is infinity, which a heartbeat would store as
    null (and the kiosk overview would trip over)."""
    with pytest.raises(ApiError) as caught:
        parse_json_object(b'{"clock_offset_s": ' + number + b"}")
    assert (caught.value.status, caught.value.code) == (400, "malformed")
    assert parse_json_object(b'{"a": 1e300, "b": 12345678901234567890}')["b"] > 2**63


def test_wide_json_is_fine() -> None:
    wide = json.dumps({"records": [[[1]] * 1000] * 10}).encode()
    assert len(parse_json_object(wide)["records"]) == 10


# -- CSV cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
        (3, 3),
        (-240, -240),  # a number is no formula; it stays a number
        (None, None),
    ],
)
def test_formula_safe(cell: object, safe: object) -> None:
    assert formula_safe(cell) == safe


# -- the kiosk overview ------------------------------------------------------------------------


def test_flags_tolerate_heartbeats_with_missing_numbers() -> None:
    """Heartbeats stored before infinite numbers were refused may hold null."""
    now = datetime(2026, 3, 14, tzinfo=UTC)
    beat: dict[str, Any] = {
        "pending_count": None,
        "oldest_pending_age_s": None,
        "clock_offset_s": None,
    }
    assert flags_for("active", now, beat, now) == []
    beat = {"pending_count": 5000, "oldest_pending_age_s": 10.0, "clock_offset_s": -700.0}
    assert flags_for("active", now, beat, now) == ["behind", "clock_off"]
    huge = {"pending_count": 10**400, "oldest_pending_age_s": 0, "clock_offset_s": 0}
    assert flags_for("active", now, huge, now) == ["behind"]

"""TLS: the server certificate is always verified; a CA bundle path makes a private CA work.

The fault proxy terminates HTTPS with a certificate from a throw-away CA made here, in front
of the real (plain HTTP) server on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sync.client import PermanentError, SyncClient, TransientError
from sync.enrollment import enroll
from sync.keys import KioskFiles
from tests.sync.faultproxy import FaultProxy
from tests.sync.helpers import (
    FAST_CLIENT,
    REPO_ROOT,
    check_invariants,
    job,
    subprocess_env,
    sync_cli,
    tap,
)


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca_and_server_cert(directory: Path) -> tuple[Path, Path, Path]:
    """(CA bundle, server certificate, server key) for 127.0.0.1, valid for a day."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ukukavshiri test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "server.pem", "key.pem"))
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem(key))
    return ca_path, cert_path, key_path


@pytest.fixture
def https(live_sqlite, tmp_path) -> Iterator[tuple[FaultProxy, Path]]:
    live, _db = live_sqlite
    ca_path, cert_path, key_path = make_ca_and_server_cert(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    with FaultProxy(live.url, tls=context) as proxy:
        yield proxy, ca_path


def test_an_unknown_certificate_is_refused(https):
    proxy, _ca = https
    with pytest.raises(TransientError) as caught:
        SyncClient(proxy.url, **FAST_CLIENT).health()
    assert caught.value.code == "tls"
    assert "certificate" in str(caught.value)


def test_enrolling_without_the_ca_fails_and_with_it_works(https, live_sqlite, data_dir):
    proxy, ca = https
    live, db = live_sqlite
    name, code = db.issue_code()
    with pytest.raises(TransientError, match="certificate"):
        enroll(data_dir, proxy.url, code, client_options=FAST_CLIENT)

    enrolled = subprocess.run(
        sync_cli("--data-dir", str(data_dir), "--enroll", proxy.url, code, "--ca-bundle", str(ca)),
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert enrolled.returncode == 0, enrolled.stderr
    taps = set(tap(data_dir, 5))
    report = job(data_dir).run_once()  # the saved enrollment remembers the CA bundle
    assert report.stored == 5
    enrollment = KioskFiles(data_dir).enrollment()
    assert enrollment is not None
    assert enrollment.ca_bundle == str(ca.resolve())
    check_invariants(db, data_dir, enrollment.device_id, taps)
    assert [k for k in json.loads(live.cli("kiosks", "--json").stdout) if k["name"] == name]


def test_a_missing_ca_bundle_is_a_clear_error(data_dir, tmp_path):
    with pytest.raises(PermanentError) as caught:
        enroll(data_dir, "https://127.0.0.1:1", "AAAA-AAAA", ca_bundle=str(tmp_path / "nope"))
    assert "does not exist" in str(caught.value)

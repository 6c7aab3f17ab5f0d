"""TLS certificates are verified: a portal serving a self-signed certificate for another host
name is not crawled (the portal fails, with the reason) unless its YAML opts out with
`tls_verify: false` and a reason, which every document fetched that way keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from nianbao.exit_codes import ExitCode
from settings.registry import PortalConfig
from tests.crawler.conftest import Workspace
from tests.crawler.fault_server import fault_server, portal_of

REASON = "the portal's certificate names another host (reported to its webmaster)"


def self_signed(directory: Path, host: str = "other.example") -> dict[str, str]:
    """A certificate for `host`, signed by its own key: paths of the PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    paths = {"cert": str(directory / "cert.pem"), "key": str(directory / "key.pem")}
    Path(paths["cert"]).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(paths["key"]).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def test_an_opt_out_needs_its_reason() -> None:
    portal = portal_of({"name": "tls-unit"}).config("https://127.0.0.1:8443")
    data = portal.model_dump()
    with pytest.raises(ValidationError, match="tls_verify: false needs tls_verify_reason"):
        PortalConfig.model_validate({**data, "tls_verify": False})
    assert (
        PortalConfig.model_validate({**data, "tls_verify": False, "tls_verify_reason": REASON}).tls_verify
        is False
    )


@pytest.mark.slow
def test_a_certificate_that_does_not_verify_fails_the_portal(tmp_path: Path, workspace: Workspace) -> None:
    spec = {"name": "tls-self-signed", "years": [2023, 2024], "tls": self_signed(tmp_path)}
    with fault_server(spec, tmp_path) as server:
        summary = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
    assert server.base_url.startswith("https://")
    assert summary["status"] == "unreachable", workspace.last_stderr[-3000:]
    assert summary["unreachable"].startswith(f"start page {server.base_url}/")
    assert "its TLS certificate does not verify (" in summary["unreachable"]
    assert workspace.last_exit == ExitCode.UNREACHABLE
    assert workspace.query("select count(*) from documents") == [(0,)]


@pytest.mark.slow
def test_an_opted_out_portal_is_crawled_and_its_documents_say_so(
    tmp_path: Path, workspace: Workspace
) -> None:
    spec = {"name": "tls-opted-out", "years": [2023, 2024], "tls": self_signed(tmp_path)}
    with fault_server(spec, tmp_path, tls_verify=False, tls_verify_reason=REASON) as server:
        summary = workspace.crawl(server, [spec["name"]])[spec["name"]]  # type: ignore[arg-type]
    assert (summary["status"], summary["new"]) == ("ok", 2), workspace.last_stderr[-3000:]
    marks = workspace.query("select distinct tls_unverified from documents")
    assert marks == [(REASON,)]

"""A certificate authority the harness makes per campaign for the lab's TLS
services (the MQTT platform): the device is told to trust it, and its
server certificate names the endpoints' IPv6 addresses (subjectAltName
iPAddress, which clients match when they connect by address)."""

from __future__ import annotations

import base64
import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# A campaign's lifetime, with room on both sides for a guest clock that lags.
VALIDITY = datetime.timedelta(days=7)
CLOCK_SLACK = datetime.timedelta(days=1)


@dataclass(frozen=True)
class LabTls:
    ca_certificate: Path
    server_certificate: Path
    server_key: Path

    def ca_der_base64(self) -> str:
        """The CA certificate in one word, for a console command."""
        certificate = x509.load_pem_x509_certificate(self.ca_certificate.read_bytes())
        return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "conformance harness lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_lab_tls(folder: Path, addresses: list[str]) -> LabTls:
    """A fresh CA (P-256) and one server certificate for these addresses."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - CLOCK_SLACK, now + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("lab CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(_name(addresses[0])).issuer_name(ca_name)
              .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]),
                             critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    tls = LabTls(folder / "lab-ca.pem", folder / "server.pem", folder / "server.key")
    tls.ca_certificate.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.server_certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    tls.server_key.touch(mode=0o600)
    tls.server_key.write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    return tls

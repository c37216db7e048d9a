"""Ed25519 signature over the bundle manifest, and bundle verification.

The lab's key comes from --signing-key or HARNESS_SIGNING_KEY (a PEM file);
without one a throw-away key is made, used once and marked as such. The
private key never enters the bundle."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from harness.errors import HarnessError

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
KEY_ENVIRONMENT = "HARNESS_SIGNING_KEY"
THROWAWAY = "throwaway"
LAB = "lab"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    kind: str  # LAB or THROWAWAY

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)


def fingerprint(public_raw: bytes) -> str:
    return "SHA256:" + hashlib.sha256(public_raw).hexdigest()


def load_signing_key(path: str | Path | None = None) -> SigningKey:
    path = path or os.environ.get(KEY_ENVIRONMENT)
    if not path:
        return SigningKey(Ed25519PrivateKey.generate(), THROWAWAY)
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise HarnessError(f"signing key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise HarnessError(f"signing key {path}: not an Ed25519 private key")
    return SigningKey(key, LAB)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundle_files(root: Path) -> list[Path]:
    """Every file of the bundle except the manifest and its signature."""
    return sorted(
        path for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and path.relative_to(root).as_posix() not in (MANIFEST, SIGNATURE)
    )


def write_manifest(root: Path, metadata: dict, key: SigningKey) -> Path:
    """The manifest lists every file with its SHA-256 and size, and names the
    signing key, so the key's kind is covered by the signature too."""
    files = {
        path.relative_to(root).as_posix(): {"sha256": sha256_file(path), "size": path.stat().st_size}
        for path in bundle_files(root)
    }
    signing = {
        "algorithm": "Ed25519",
        "signature_file": SIGNATURE,
        "key_kind": key.kind,
        "public_key": base64.b64encode(key.public_raw).decode(),
        "fingerprint": key.fingerprint,
    }
    if key.kind == THROWAWAY:
        signing["warning"] = "signed with a throw-away key made for this campaign: not valid for submission"
    manifest = root / MANIFEST
    document = {"campaign": metadata, "signing": signing, "files": files}
    manifest.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return manifest


def sign_manifest(root: Path, key: SigningKey) -> Path:
    """A detached raw Ed25519 signature (64 bytes): any changed byte in it,
    as in the manifest, fails verification."""
    path = root / SIGNATURE
    path.write_bytes(key.private.sign((root / MANIFEST).read_bytes()))
    return path


@dataclass
class Verification:
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    signature_problems: list[str] = field(default_factory=list)
    fingerprint: str = ""
    key_kind: str = ""

    @property
    def ok(self) -> bool:
        return not (self.modified or self.missing or self.extra or self.signature_problems)

    def lines(self) -> list[str]:
        out = [f"signature: {p}" for p in self.signature_problems]
        out += [f"modified: {p}" for p in self.modified]
        out += [f"missing: {p}" for p in self.missing]
        out += [f"extra: {p}" for p in self.extra]
        return out


def verify_bundle(root: Path, trusted_fingerprint: str | None = None) -> Verification:
    """Check the signature, then every listed file; report all problems."""
    result = Verification()
    try:
        manifest_bytes = (root / MANIFEST).read_bytes()
        manifest = json.loads(manifest_bytes)
        listed: dict[str, dict] = manifest["files"]
        public_raw = base64.b64decode(manifest["signing"]["public_key"], validate=True)
        result.key_kind = str(manifest["signing"]["key_kind"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        result.signature_problems.append(f"{MANIFEST} unreadable: {exc}")
        return result
    result.fingerprint = fingerprint(public_raw)
    if trusted_fingerprint is not None and result.fingerprint != trusted_fingerprint:
        result.signature_problems.append(f"signed by {result.fingerprint}, not by the trusted key {trusted_fingerprint}")
    try:
        signature = (root / SIGNATURE).read_bytes()
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, manifest_bytes)
    except OSError:
        result.signature_problems.append(f"{SIGNATURE} missing")
    except (InvalidSignature, ValueError):
        result.signature_problems.append(f"bad signature over {MANIFEST}")
    present = {path.relative_to(root).as_posix(): path for path in bundle_files(root)}
    for name, entry in sorted(listed.items()):
        path = present.get(name)
        if path is None:
            result.missing.append(name)
        elif path.stat().st_size != entry.get("size") or sha256_file(path) != entry.get("sha256"):
            result.modified.append(name)
    result.extra = sorted(set(present) - set(listed))
    return result

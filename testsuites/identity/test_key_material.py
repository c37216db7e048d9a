"""AP-DID, key secrecy: the unit's private key never leaves it."""

import re

import pytest

from harness.verdict import nonconformant

# PEM private keys (PKCS#8, encrypted PKCS#8, SEC1 EC, OpenSSH) and a JWK's private member.
PEM_PRIVATE = re.compile(r"-----BEGIN (?:ENCRYPTED |EC |OPENSSH )?PRIVATE KEY-----")
JWK_PRIVATE = re.compile(r'"kty"\s*:\s*"(?:OKP|EC)"[^{}]*"d"\s*:|"d"\s*:\s*"[A-Za-z0-9_-]{40,}"[^{}]*"kty"')


def _leaks(text: str) -> list[str]:
    return [pattern.pattern for pattern in (PEM_PRIVATE, JWK_PRIVATE) if pattern.search(text)]


@pytest.mark.requirement("AP-DID", "DID-KEY-SECRECY")
def test_no_private_key_material_on_the_console_or_the_wire(identity, dut):
    """Nothing the unit printed since boot, and no frame it sent on its link
    (this session's capture, the identity exchanges included), carries a PEM
    private key block or a JWK private member."""
    console = dut.machine.console.text_from(0)
    found = _leaks(console)
    if found:
        nonconformant("DID-KEY-SECRECY", "no private key on the console", f"{found} in the console transcript")
    for frame in dut.recorder.frames(0):
        if frame.direction != "rx":
            continue
        payload = frame.data.decode("latin-1")
        found = _leaks(payload)
        if found:
            nonconformant("DID-KEY-SECRECY", "no private key on the wire",
                          f"{found} in a frame the unit sent at {frame.time:.3f}")
    answers = "\n".join(exchange.body for exchange in identity.journal.exchanges)
    found = _leaks(answers)
    if found:
        nonconformant("DID-KEY-SECRECY", "no private key in the unit's answers", f"{found}")

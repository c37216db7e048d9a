"""AP-DID, mutual authentication (BIF BIDAuth, bif-rfcs RFC-005, with the
unit as verifier): the unit accepts the platform only with a key the
platform's DID document lists, over a nonce the unit issued and has not
seen answered."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.verdict import nonconformant

from .conftest import IdentityLab


@pytest.fixture
def platform(identity):
    if not identity.claims.mutual:
        pytest.skip("the unit does not declare mutual authentication")
    if identity.platform is None:
        pytest.skip("the lab has no platform identity registered with its resolver")
    return identity.platform


def _nonce(identity: IdentityLab, platform) -> str:
    """bidauth_request -> the unit's bidauth_challenge nonce."""
    exchange = identity.post({"@type": "bidcomm_application/1.0/bidauth",
                              "content": {"type": "bidauth_request", "bid": platform.did}})
    try:
        content = exchange.json()["content"]
        if content["type"] == "bidauth_challenge" and len(bytes.fromhex(content["nonce"])) >= 16:
            return content["nonce"]
    except (ValueError, KeyError, TypeError):
        pass
    nonconformant("BIDAUTH-MUTUAL", "a bidauth_challenge with a nonce of at least 16 bytes for the platform",
                  f"HTTP {exchange.status}: {exchange.body[:200]}")


def _accepted(identity: IdentityLab, message: dict) -> bool:
    exchange = identity.post(message)
    try:
        content = exchange.json()["content"]
    except (ValueError, KeyError, TypeError):
        nonconformant("BIDAUTH-MUTUAL", "a bidauth_result", f"HTTP {exchange.status}: {exchange.body[:200]}")
    if content.get("type") != "bidauth_result" or not isinstance(content.get("result"), bool):
        nonconformant("BIDAUTH-MUTUAL", "a bidauth_result with a boolean result", str(content)[:200])
    return content["result"] and exchange.status == 200


def _control(identity: IdentityLab, platform) -> None:
    """The platform's own key, over a fresh nonce: accepted."""
    if not _accepted(identity, platform.response(_nonce(identity, platform))):
        identity.check_lab()  # the unit resolves the platform through the lab's resolver
        nonconformant("BIDAUTH-MUTUAL", "the platform accepted with its listed key over a fresh nonce", "refused")


@pytest.mark.requirement("AP-DID", "BIDAUTH-MUTUAL")
def test_platform_answer_signed_by_an_unlisted_key_is_refused(identity, platform):
    _control(identity, platform)
    rogue = Ed25519PrivateKey.generate()  # a valid signature, by a key the platform's document does not list
    if _accepted(identity, platform.response(_nonce(identity, platform), signer=rogue)):
        nonconformant("BIDAUTH-MUTUAL", "a platform answer signed by a key not in its DID document refused", "accepted")


@pytest.mark.requirement("AP-DID", "BIDAUTH-MUTUAL")
def test_platform_answer_over_a_stale_nonce_is_refused(identity, platform):
    nonce = _nonce(identity, platform)
    if not _accepted(identity, platform.response(nonce)):
        identity.check_lab()
        nonconformant("BIDAUTH-MUTUAL", "the platform accepted with its listed key over a fresh nonce", "refused")
    if _accepted(identity, platform.response(nonce)):
        nonconformant("BIDAUTH-MUTUAL", "a second answer over an already answered nonce refused", "accepted (replay)")

"""AP-DID, challenge-response (BIF BIDAuth, bif-rfcs RFC-005): the unit
proves it holds the key its DID document lists, for a nonce only the
platform chose, and refuses challenges it must not sign."""

import pytest

from harness.identity import bidauth
from harness.identity.errors import IdentityError
from harness.verdict import nonconformant

from .conftest import IdentityLab, fresh_nonce


def _answer(identity: IdentityLab, nonce: bytes) -> bidauth.BidAuthResponse:
    """The unit's bidauth_response to a challenge over `nonce`."""
    exchange = identity.challenge(nonce.hex())
    if exchange.status != 200:
        nonconformant("DID-AUTH-CHALLENGE", f"a bidauth_response to a {len(nonce)}-byte nonce",
                      f"HTTP {exchange.status}: {exchange.body[:200]}")
    try:
        return bidauth.parse_response(exchange.json())
    except (IdentityError, ValueError) as exc:
        nonconformant("DID-AUTH-CHALLENGE", "a well-formed bidauth_response", str(exc))


def _authentication_keys(identity: IdentityLab, did: str):
    return [method.key for method in identity.document(did).authentication]


@pytest.mark.requirement("AP-DID", "DID-AUTH-CHALLENGE", "DIDCORE-5.3.1")
def test_fresh_challenge_is_signed_by_an_authentication_key(identity):
    """A fresh 32-byte nonce; the answer names the unit's DID, echoes the
    nonce, and its signature verifies under a key the resolved document
    references from `authentication` (BIDAuth: the verifier finds the key in
    the on-chain document before verifying)."""
    did = identity.did()
    nonce = fresh_nonce()
    response = _answer(identity, nonce)
    if response.bid != did:
        nonconformant("DID-AUTH-CHALLENGE", f"the answer names {did}", f"bid {response.bid}")
    if response.plain_text.lower() != nonce.hex():
        nonconformant("DID-AUTH-CHALLENGE", "plainText echoes the nonce", f"plainText {response.plain_text[:80]}")
    keys = _authentication_keys(identity, did)
    if response.public_key not in keys:
        nonconformant("DID-AUTH-CHALLENGE", "publicKey is an authentication key of the resolved document",
                      f"key {response.public_key.fingerprint()[:16]}... is not in it")
    if not bidauth.signature_valid(response, response.public_key, nonce):
        nonconformant("DID-AUTH-CHALLENGE", f"a {response.crypto_type} signature over the nonce that verifies",
                      "it does not verify")


@pytest.mark.requirement("AP-DID", "DID-AUTH-CHALLENGE")
def test_two_challenges_give_two_signatures_each_for_its_own_nonce(identity):
    """No cached or replayed answer: each signature verifies for its own
    nonce and not for the other one."""
    did = identity.did()
    keys = _authentication_keys(identity, did)
    first, second = fresh_nonce(), fresh_nonce()
    answers = [_answer(identity, first), _answer(identity, second)]
    if answers[0].signature == answers[1].signature:
        nonconformant("DID-AUTH-CHALLENGE", "two different signatures for two nonces", "the same signature twice")
    for answer, own, other in ((answers[0], first, second), (answers[1], second, first)):
        valid_own = any(bidauth.signature_valid(answer, key, own) for key in keys)
        valid_other = any(bidauth.signature_valid(answer, key, other) for key in keys)
        if not valid_own or valid_other:
            nonconformant("DID-AUTH-CHALLENGE", "each signature valid for its own nonce only",
                          f"valid for its own: {valid_own}, for the other: {valid_other}")


def _refused(identity: IdentityLab, nonce_text: str, what: str) -> None:
    exchange = identity.challenge(nonce_text)
    if exchange.status == 200:
        nonconformant("BIDAUTH-NONCE", f"{what} refused with an error", f"HTTP 200, signed: {exchange.body[:160]}")
    # The device stays up: a good challenge right after is answered.
    nonce = fresh_nonce()
    answer = identity.challenge(nonce.hex())
    if answer.status != 200:
        nonconformant("BIDAUTH-NONCE", f"the endpoint still answers after {what}", f"HTTP {answer.status}")


@pytest.mark.requirement("AP-DID", "BIDAUTH-NONCE")
def test_challenge_shorter_than_16_bytes_is_refused(identity):
    _refused(identity, fresh_nonce(15).hex(), "a 15-byte nonce")


@pytest.mark.requirement("AP-DID", "BIDAUTH-NONCE")
def test_malformed_challenge_is_refused_and_the_device_stays_up(identity):
    _refused(identity, "not-a-hex-nonce:" + "zz" * 16, "a nonce that is not hex")

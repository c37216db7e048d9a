"""The exception policy, written once as data: which typed errors of outside
input are the DUT's (a product failure of a clause) and which the lab's.

A parser of outside input raises its domain's MalformedInput. When one
escapes a test or a fixture, the plugin looks it up here:

- the DUT's output (its console, its module, its identity, its data): the
  error becomes a NonConformance - `failed`, naming the error's own clause
  or its class's default, what was expected and what came;
- the lab's (a callbox's trace, a tool's report, the lab's own files): it
  stays what it is, and the test is `broken`.

Every MalformedInput class of the harness is in exactly one of the two
tables (tests/unit/test_policy.py walks them)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.captures import CaptureError
from harness.cellular.errors import ATParseError, GsmtapError, NASDecodeError, TraceError
from harness.data.important_data import CatalogueInvalid
from harness.values.tls import TlsReportMalformed
from harness.identity.bidauth import InvalidResponse
from harness.identity.errors import InvalidDid, InvalidDocument, InvalidPublicKey, InvalidSignature, LabelUnreadable
from harness.identity.identifiers import InvalidIdentifier
from harness.malformed import MalformedInput
from harness.secid import CredentialListError, SbomInvalid
from harness.verdict import NonConformance


@dataclass(frozen=True)
class DutInput:
    """Malformed output of the DUT: the clause it breaks unless the error
    names its own, and what a conformant DUT sends instead."""

    error: type[MalformedInput]
    clause: str
    expected: str


DUT_INPUT: tuple[DutInput, ...] = (
    DutInput(ATParseError, "TS27.007-4.2", "an answer in the syntax TS 27.007 defines for the command"),
    DutInput(NASDecodeError, "TS24.301-9", "an uplink NAS message coded as TS 24.301 section 9 defines"),
    DutInput(InvalidDid, "DIDCORE-3.1", "a DID in the syntax of DID Core 3.1"),
    DutInput(InvalidDocument, "DIDCORE-5.1.1", "a DID document valid by DID Core section 5"),
    DutInput(InvalidPublicKey, "DID-KEYTYPE", "a public key of the declared type, well encoded"),
    DutInput(InvalidSignature, "DID-AUTH-CHALLENGE", "a signature of the key type's form"),
    DutInput(InvalidResponse, "DID-AUTH-CHALLENGE", "a well-formed bidauth_response (BIF RFC-005)"),
    DutInput(InvalidIdentifier, "OOOC-WELLFORMED", "identifiers well formed for their scheme"),
    DutInput(LabelUnreadable, "OOOC-LABEL", "a label image that decodes (PNG or JPEG, QR codes)"),
    DutInput(CatalogueInvalid, "DATA-CATALOGUE", "an important-data catalogue that is JSON and follows its schema"),
    DutInput(SbomInvalid, "SECID-SBOM", "a CycloneDX JSON SBOM"),
)

# Malformed input of the lab: the test that met it is broken.
LAB_INPUT: tuple[type[MalformedInput], ...] = (GsmtapError, TraceError, CaptureError, CredentialListError,
                                               TlsReportMalformed)


def dut_rule(error: BaseException) -> DutInput | None:
    """The DUT-side rule an error falls under: its nearest listed class.
    NASDecodeError is the DUT's only where it names a clause (an uplink
    message); a downlink message that does not decode is the callbox's."""
    if not isinstance(error, MalformedInput) or isinstance(error, LAB_INPUT):
        return None
    rules = [rule for rule in DUT_INPUT if isinstance(error, rule.error)]
    if not rules:
        return None
    rule = min(rules, key=lambda r: type(error).__mro__.index(r.error))
    if rule.error is NASDecodeError and error.clause is None:
        return None
    return rule


def as_nonconformance(error: BaseException) -> NonConformance | None:
    """The product failure a DUT's malformed output is; None for anything else."""
    rule = dut_rule(error)
    if rule is None:
        return None
    return NonConformance(error.clause or rule.clause, rule.expected, str(error))  # type: ignore[union-attr]

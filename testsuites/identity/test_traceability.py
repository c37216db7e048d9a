"""AP-OOOC, "one object, one code, one number, one data": the unit's
identifiers are well formed and the same wherever they appear - the
declaration, the console, the label, the DID document, the identifier
resolution record (which points back to the DID) and the module."""

from pathlib import Path

import pytest

from harness.identity.errors import IdentityError
from harness.identity.identifiers import Identifier, parse_uri, validate
from harness.identity.label import decode_label
from harness.verdict import nonconformant

from .conftest import IdentityLab


def _declared(identity: IdentityLab) -> list[Identifier]:
    if not identity.claims.identifiers:
        pytest.skip("the declaration lists no traceability identifiers")
    try:
        return [validate(item.scheme, item.value) for item in identity.claims.identifiers]
    except IdentityError as exc:
        nonconformant("OOOC-WELLFORMED", "well-formed declared identifiers", str(exc))


def _module_absent(identity: IdentityLab) -> bool:
    """An emulated DUT has its cellular module (where its IMEI comes from)
    only when the lab emulates one; a bench DUT carries its own."""
    return identity.config.dut.kind == "qemu" and identity.config.cellular is None


def _in_reach(identity: IdentityLab, identifiers: list[Identifier]) -> tuple[list[Identifier], list[str]]:
    """The identifiers this lab lets the unit show, and the URIs of those it
    cannot (an IMEI without a module): judge the first, then skip naming the second."""
    if not _module_absent(identity):
        return identifiers, []
    return ([i for i in identifiers if i.scheme != "imei"],
            [i.uri for i in identifiers if i.scheme == "imei"])


def _skip_unjudged(unjudged: list[str]) -> None:
    if unjudged:
        pytest.skip(f"{', '.join(unjudged)} not judged: the lab config has no cellular section, "
                    "so the emulated DUT has no module to read its IMEI from (the rest agreed)")


def _console(identity: IdentityLab) -> dict[str, str]:
    """scheme -> value as the unit's device-info command prints it."""
    info = identity.device_info()
    return {scheme: info[scheme] for scheme in ("handle", "gtin", "imei", "oid") if scheme in info}


@pytest.mark.requirement("AP-OOOC", "OOOC-WELLFORMED", "TS23.003-6.2")
def test_identifiers_are_well_formed_with_valid_check_digits(identity):
    """Declared and printed identifiers alike: handle syntax, GS1 mod-10 and
    IMEI Luhn check digits."""
    _declared(identity)
    for scheme, value in _console(identity).items():
        try:
            validate(scheme, value)
        except IdentityError as exc:
            clause = "TS23.003-6.2" if scheme == "imei" else "OOOC-WELLFORMED"
            nonconformant(clause, f"a well-formed {scheme} on the console", str(exc))


@pytest.mark.requirement("AP-OOOC", "OOOC-CONSISTENCY")
def test_console_identifiers_are_the_declared_ones(identity):
    printed = _console(identity)
    judged, unjudged = _in_reach(identity, _declared(identity))
    for identifier in judged:
        if printed.get(identifier.scheme) != identifier.value:
            nonconformant("OOOC-CONSISTENCY", f"the console's {identifier.scheme} is {identifier.value} (declared)",
                          f"{printed.get(identifier.scheme)!r}")
    _skip_unjudged(unjudged)


@pytest.mark.requirement("AP-OOOC", "OOOC-LABEL")
def test_label_carries_the_identifiers_the_unit_prints(identity):
    """The QR code on the unit's label (a scan of it, declared) decodes to
    identifier URIs; each names what the console prints for its scheme."""
    image = identity.claims.label_image
    if image is None:
        pytest.skip("the declaration has no label image")
    try:
        on_label = [parse_uri(uri) for uri in decode_label(Path(image).read_bytes())]
    except IdentityError as exc:
        nonconformant("OOOC-LABEL", "a label QR code of identifier URIs", str(exc))
    if not on_label:
        nonconformant("OOOC-LABEL", "identifiers on the label", "none decoded")
    printed = _console(identity)
    judged, unjudged = _in_reach(identity, on_label)
    for identifier in judged:
        if printed.get(identifier.scheme) != identifier.value:
            nonconformant("OOOC-LABEL", f"the label's {identifier.scheme} {identifier.value} on the console too",
                          f"the console prints {printed.get(identifier.scheme)!r}")
    _skip_unjudged(unjudged)


@pytest.mark.requirement("AP-OOOC", "OOOC-DID-LINK")
def test_did_document_names_every_identifier(identity):
    """alsoKnownAs carries each declared identifier's URI (handle, GS1
    Digital Link, RFC 7254 IMEI URN)."""
    judged, unjudged = _in_reach(identity, _declared(identity))
    document = identity.document(identity.did())
    missing = [identifier.uri for identifier in judged if identifier.uri not in document.also_known_as]
    if missing:
        nonconformant("OOOC-DID-LINK", "every identifier in the document's alsoKnownAs",
                      f"missing {missing}; alsoKnownAs {document.also_known_as}")
    _skip_unjudged(unjudged)


@pytest.mark.requirement("AP-OOOC", "OOOC-DID-LINK")
def test_resolution_record_points_back_to_the_did(identity):
    """Links both ways: the handle's resolution record names the unit's DID."""
    handles = [identifier for identifier in _declared(identity) if identifier.scheme == "handle"]
    if not handles:
        pytest.skip("the declaration has no handle identifier")
    did = identity.did()
    for handle in handles:
        record = identity.handles.resolve(handle.value)
        if record is None:
            nonconformant("OOOC-DID-LINK", f"a resolution record for {handle.value}", "handle not found")
        if did not in record.values.get("DID", []):
            nonconformant("OOOC-DID-LINK", f"the record of {handle.value} names {did}",
                          f"DID values {record.values.get('DID', [])}")


@pytest.mark.requirement("AP-OOOC", "OOOC-CONSISTENCY", "TS23.003-6.2")
def test_console_imei_is_the_module_imei_and_the_nas_imeisv(identity, request):
    """The IMEI the unit prints = the module's +CGSN = the first 14 digits of
    the IMEISV it gives the network in NAS."""
    if identity.config.declaration.cellular is None:
        pytest.skip("the declaration has no cellular module")
    from harness.cellular.at_responses import parse_cgsn

    cellular = request.getfixturevalue("cellular")
    printed = _console(identity).get("imei")
    module = parse_cgsn(cellular.modem.command("AT+CGSN").lines)
    if printed != module:
        nonconformant("OOOC-CONSISTENCY", f"the console's IMEI is the module's +CGSN {module}", f"{printed!r}")
    given = [m.message.identity for m in cellular.trace.messages(0)
             if m.message is not None and m.message.name in ("Security Mode Complete", "Identity Response")
             and m.message.identity]
    if not given:
        cellular_lab_failure = cellular.failure()
        if cellular_lab_failure:
            from harness.errors import HarnessError

            raise HarnessError(f"cellular lab lost: {cellular_lab_failure}")
        nonconformant("OOOC-CONSISTENCY", "an IMEISV in the NAS trace", "none")
    if given[-1][:14] != module[:14]:
        nonconformant("OOOC-CONSISTENCY", f"the NAS IMEISV carries the IMEI's first 14 digits {module[:14]}", given[-1])

"""AP-SECID, what the maker declares about the product: its SBOM validates
(CycloneDX, with cyclonedx-python-lib's schema validation) and lists
exactly the software the unit says it runs; its cybersecurity label data
is well formed, in force, names the declared product, and is what the unit
shows on its electronic label (device info)."""

from __future__ import annotations

import datetime

import allure
import pytest
from cyclonedx.exception import MissingOptionalDependencyException
from cyclonedx.schema import SchemaVersion

from harness.drivers.console import device_info, run_command
from harness.errors import HarnessError
from harness.secid import component_differences, parse_component_list, parse_sbom, sbom_components
from harness.verdict import nonconformant

COMMAND_TIMEOUT_S = 30.0
# The label fields a unit shows on its electronic label (device info keys).
LABEL_KEYS = {"security_level": "level", "security_filing": "filing_code", "security_valid_until": "valid_until"}


@pytest.mark.requirement("AP-SECID", "SECID-SBOM")
@pytest.mark.needs_command("list_components")
def test_sbom_validates_and_lists_what_the_unit_runs(dut, lab_config):
    path = lab_config.declaration.sbom
    if path is None:
        nonconformant("SECID-SBOM", "an SBOM (CycloneDX JSON) in the declaration", "none")
    # The unit first: what it runs, before the seconds of offline schema validation.
    listed = run_command(dut.console, lab_config.declaration.commands.list_components, COMMAND_TIMEOUT_S).output
    allure.attach(listed, name="unit-components.txt", attachment_type=allure.attachment_type.TEXT)
    allure.attach.file(str(path), name=path.name, attachment_type=allure.attachment_type.JSON)
    document, text = parse_sbom(path.read_bytes(), path.name)
    try:
        version = SchemaVersion.from_version(document["specVersion"])
    except (ValueError, TypeError) as exc:
        nonconformant("SECID-SBOM", "a CycloneDX JSON document with a known specVersion", f"{path.name}: {exc}")
    try:
        # Imported here: its URI grammar takes a second to build, at every campaign's collection otherwise.
        from cyclonedx.validation.json import JsonStrictValidator

        error = JsonStrictValidator(version).validate_str(text)
    except MissingOptionalDependencyException as exc:
        raise HarnessError(f"CycloneDX schema validation needs cyclonedx-python-lib[json-validation]: {exc}") from exc
    if error is not None:
        nonconformant("SECID-SBOM", f"{path.name} valid against CycloneDX {version.to_version()}", str(error)[:500])
    differences = component_differences(sbom_components(document), parse_component_list(listed.splitlines()))
    if differences:
        nonconformant("SECID-SBOM", "the SBOM's components and versions are what the unit runs", "; ".join(differences))


@pytest.mark.requirement("AP-SECID", "SECID-LABEL")
@pytest.mark.needs_command("device_info")
def test_security_label_is_well_formed_in_force_and_shown_by_the_unit(dut, lab_config):
    declaration = lab_config.declaration
    label = declaration.security_label
    if label is None:  # the label is voluntary: a product that claims none has nothing to judge here
        pytest.skip("the declaration claims no cybersecurity label (a voluntary label: not applicable)")
    problems = []
    if (label.manufacturer, label.model) != (declaration.manufacturer, declaration.model):
        problems.append(f"the label names {label.manufacturer} {label.model}, the declaration "
                        f"{declaration.manufacturer} {declaration.model}")
    if label.valid_until < datetime.date.today():
        problems.append(f"the label expired on {label.valid_until}")
    shown = device_info(dut.console, declaration.commands.device_info)
    for key, field in LABEL_KEYS.items():
        declared = str(getattr(label, field))
        if shown.get(key) != declared:
            problems.append(f"the unit shows {key}={shown.get(key, '(nothing)')}, the label {declared}")
    if problems:
        nonconformant("SECID-LABEL", "label data well formed, in force, for this product, and shown by the unit",
                      "; ".join(problems))

"""AP-ACCESS knowledge: the licence number's printed form, the IMEI's TAC,
and how a module's reported identity is compared with the declared one."""

from __future__ import annotations

import pytest

from harness.access import ModuleIdentity, licence_is_well_formed, module_differences, type_allocation_code
from harness.identity.identifiers import InvalidIdentifier


@pytest.mark.parametrize("number, well_formed", [
    ("02-R001-260001", True),
    ("17-A123-191234", True),
    ("02-5803-201234", True),
    ("02-R001-26000", False),   # five final digits
    ("2-R001-260001", False),
    ("02-r001-260001", False),  # printed in capitals
    ("02 R001 260001", False),
    ("", False),
])
def test_licence_number_form(number, well_formed):
    assert licence_is_well_formed(number) is well_formed


def test_tac_is_the_first_eight_digits_of_a_valid_imei():
    assert type_allocation_code("490154203237518") == "49015420"


@pytest.mark.parametrize("imei", ["490154203237519", "49015420323751", "49015420323751x"])
def test_tac_of_an_invalid_imei_is_refused(imei):
    with pytest.raises(InvalidIdentifier):
        type_allocation_code(imei)


DECLARED = ModuleIdentity("Quectel", "EC200U", "EC200UCNAAR03A02M08")


def test_same_module_in_another_case_has_no_difference():
    assert module_differences(DECLARED, ModuleIdentity("QUECTEL", " ec200u ", "EC200UCNAAR03A02M08")) == []


def test_each_differing_field_is_named_with_both_values():
    reported = ModuleIdentity("Quectel", "EC200A", "EC200UCNAAR03A01M08")
    assert module_differences(DECLARED, reported) == [
        "model: declared 'EC200U', reported 'EC200A'",
        "revision: declared 'EC200UCNAAR03A02M08', reported 'EC200UCNAAR03A01M08'",
    ]


def test_an_undeclared_revision_is_not_compared():
    assert module_differences(ModuleIdentity("Quectel", "EC200U", ""), ModuleIdentity("Quectel", "EC200U", "ANY")) == []

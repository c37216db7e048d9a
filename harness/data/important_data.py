"""The important-data catalogue a data handler files (Data Security Law
art. 21; GB/T 43697-2024 grades): its schema, and whether it agrees with
the device's inventory and with the catalogue the unit itself reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.config.models import DataInventory
from harness.malformed import MalformedInput, json_value


class CatalogueInvalid(MalformedInput):
    """A catalogue that is not JSON or does not follow the schema."""


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    grade: Literal["important", "core"]
    fields: list[str] = Field(min_length=1)
    purpose: str = Field(min_length=1)
    cross_border: bool


class ImportantDataCatalogue(BaseModel):
    """The catalogue's schema: this model (its JSON Schema is
    ImportantDataCatalogue.model_json_schema())."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal["1"]
    filing_code: str = Field(min_length=1, description="the filing's reference, as the authority issued it")
    handler: str = Field(min_length=1, description="the data handler (the maker)")
    product: str = Field(min_length=1, description="the product model the catalogue covers")
    items: list[CatalogueEntry]


def parse_catalogue(text: str | bytes) -> ImportantDataCatalogue:
    """A filed or reported catalogue (JSON, bounded in size and nesting)."""
    document = json_value(text, "the catalogue", CatalogueInvalid)
    try:
        return ImportantDataCatalogue.model_validate(document)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)[:10])
        raise CatalogueInvalid(detail) from None


def inventory_differences(catalogue: ImportantDataCatalogue, inventory: DataInventory, model: str) -> list[str]:
    """Where the catalogue and the inventory's important and core items disagree."""
    out = []
    if catalogue.product != model:
        out.append(f"the catalogue covers product {catalogue.product!r}, the declaration is for {model!r}")
    graded = {item.name: item for item in inventory.items if item.grade != "general"}
    listed = {entry.name: entry for entry in catalogue.items}
    for name in sorted(set(graded) - set(listed)):
        out.append(f"{graded[name].grade} item {name!r} of the inventory is not in the catalogue")
    for name in sorted(set(listed) - set(graded)):
        out.append(f"catalogue item {name!r} is not an important or core item of the inventory")
    for name in sorted(set(listed) & set(graded)):
        item, entry = graded[name], listed[name]
        if entry.grade != item.grade:
            out.append(f"{name!r} is {entry.grade} in the catalogue, {item.grade} in the inventory")
        if set(entry.fields) != set(item.fields):
            out.append(f"{name!r} has fields {sorted(entry.fields)} in the catalogue, {sorted(item.fields)} in the inventory")
        if entry.cross_border != item.cross_border:
            out.append(f"{name!r} crosses the border in one and not the other (catalogue {entry.cross_border})")
    return out


def reported_differences(filed: ImportantDataCatalogue, reported: ImportantDataCatalogue) -> list[str]:
    """Where the catalogue the unit reports differs from the one filed."""
    out = []
    if reported.filing_code != filed.filing_code:
        out.append(f"filing code {reported.filing_code!r}, filed {filed.filing_code!r}")
    filed_items = {entry.name: entry for entry in filed.items}
    reported_items = {entry.name: entry for entry in reported.items}
    for name in sorted(set(filed_items) - set(reported_items)):
        out.append(f"filed item {name!r} missing")
    for name in sorted(set(reported_items) - set(filed_items)):
        out.append(f"item {name!r} not filed")
    for name in sorted(set(filed_items) & set(reported_items)):
        if filed_items[name] != reported_items[name]:
            out.append(f"item {name!r} differs from its filed entry")
    return out

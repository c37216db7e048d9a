"""A message's data item (by its MQTT topic) and its payload's fields."""

from __future__ import annotations

from typing import Any

from harness.config.models import DataItem
from harness.malformed import MalformedInput, json_object


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT 3.1.1 4.7: `+` is one level, a final `#` any number of levels
    (the parent level too)."""
    wanted, levels = topic_filter.split("/"), topic.split("/")
    for index, level in enumerate(wanted):
        if level == "#":
            return True
        if index >= len(levels) or level not in ("+", levels[index]):
            return False
    return len(levels) == len(wanted)


def item_of(topic: str, items: list[DataItem]) -> DataItem | None:
    return next((item for item in items if topic_matches(item.topic, topic)), None)


def payload_object(payload: str) -> dict[str, Any] | None:
    """The payload's JSON object, or None if it is not one (nor one of
    bounded size and nesting: the unit's payload is judged as text then)."""
    try:
        return json_object(payload, "payload")
    except MalformedInput:
        return None


def undeclared_fields(payload: dict[str, Any], item: DataItem) -> list[str]:
    return sorted(set(payload) - set(item.fields))

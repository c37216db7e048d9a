"""Load a lab config from YAML into LabConfig, turning every problem into a
ConfigError that names the file, the line and the dotted key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness.config.checks import cross_checks
from harness.config.models import LabConfig
from harness.errors import ConfigError

Loc = tuple[str | int, ...]
Problem = tuple[int | None, str, str]
ModelT = TypeVar("ModelT", bound=BaseModel)


# A lab config is a few hundred lines, nested a few levels: far more is not one.
MAX_DEPTH = 32
MAX_NODES = 100_000  # aliases can make a small file a huge tree ("billion laughs")
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Refused(Exception):
    def __init__(self, line: int, path: Loc, message: str) -> None:
        super().__init__(message)
        self.problem: Problem = (line, _dotted(path), message)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than MAX_DEPTH while it composes
    (PyYAML's composer recurses: thousands of `[` would overflow the stack)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(problem=f"nested more than {MAX_DEPTH} levels deep",
                                           problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _compose_with_lines(text: str) -> tuple[Any, dict[Loc, int], list[Problem]]:
    """Parse YAML, returning the data, the 1-based line of every key path, and
    duplicate keys (YAML loaders keep the last silently; a lab must know).
    Complex keys, recursive aliases, unknown tags and scalars their tag
    cannot read (`!!int abc`) are refused at their line."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        duplicates: list[Problem] = []
        visited = 0

        def walk(current: yaml.Node, path: Loc, ancestors: frozenset[int]) -> None:
            nonlocal visited
            visited += 1
            line = current.start_mark.line + 1
            if visited > MAX_NODES:
                raise _Refused(line, path, f"more than {MAX_NODES} values (aliases expanding?)")
            if id(current) in ancestors:
                raise _Refused(line, path, "a recursive alias: the value contains itself")
            lines.setdefault(path, line)
            inner = ancestors | {id(current)}
            if isinstance(current, yaml.MappingNode):
                if current.tag != _MAP:
                    raise _Refused(line, path, f"tag {current.tag} is not allowed here (a plain mapping is)")
                for key_node, value_node in current.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        raise _Refused(key_node.start_mark.line + 1, path, "a key must be a plain name, not a "
                                       "list or mapping (a complex key '? ...')")
                    _check_scalar(loader, key_node, path)
                    child = (*path, key_node.value)
                    key_line = key_node.start_mark.line + 1
                    if child in lines:
                        duplicates.append((key_line, _dotted(child), f"duplicate key (first given at line {lines[child]})"))
                    lines[child] = key_line
                    walk(value_node, child, inner)
            elif isinstance(current, yaml.SequenceNode):
                if current.tag != _SEQ:
                    raise _Refused(line, path, f"tag {current.tag} is not allowed here (a plain list is)")
                for index, item in enumerate(current.value):
                    walk(item, (*path, index), inner)
            else:
                _check_scalar(loader, current, path)

        if node is not None:
            walk(node, (), frozenset())
        data = loader.construct_document(node) if node is not None else None
        return data, lines, duplicates
    finally:
        loader.dispose()


def _check_scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode, path: Loc) -> None:
    """The scalar reads as its tag says (`!!int abc`, `!!timestamp x` raise
    bare Python errors inside PyYAML's constructors)."""
    line = node.start_mark.line + 1
    constructor = loader.yaml_constructors.get(node.tag)
    if constructor is None:
        raise _Refused(line, path, f"unknown tag {node.tag}")
    try:
        constructor(loader, node)
    except (ValueError, TypeError, AttributeError, OverflowError, KeyError) as exc:
        raise _Refused(line, path, f"{node.value[:40]!r} is not a valid {node.tag.rsplit(':', 1)[-1]}: {exc}") from None


def _dotted(path: Loc) -> str:
    return ".".join(str(p) for p in path)


def _locate(loc: Loc, data: Any, lines: dict[Loc, int], missing: bool) -> tuple[str, int | None]:
    """Follow a pydantic error location through the data. Elements that are not
    in the document (a union's tag, a model name) are skipped; a missing key is
    named and its parent's line given."""
    path: Loc = ()
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path = (*path, part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path = (*path, part)
        elif missing and part == loc[-1]:
            path_text = ".".join(str(p) for p in (*path, part))
            return path_text, lines.get(path, 1)
    return ".".join(str(p) for p in path), lines.get(path)


def parse_yaml_model(text: str, path: str, model: type[ModelT], context: dict | None = None) -> tuple[ModelT, dict[Loc, int]]:
    """A YAML document (bounded: depth, nodes, tags) validated into `model`,
    and the line of every key path; every problem a ConfigError naming the
    file, the line and the dotted key."""
    try:
        data, lines, duplicates = _compose_with_lines(text)
    except _Refused as exc:
        raise ConfigError(path, [exc.problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, [(line, "", f"YAML syntax error: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, [(None, "", f"YAML error: {exc}")]) from None
    if duplicates:
        raise ConfigError(path, duplicates)
    if not isinstance(data, dict):
        raise ConfigError(path, [(1, "", f"expected a mapping at the top level, got {type(data).__name__}")])
    try:
        return model.model_validate(data, context=context), lines
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            key, line = _locate(tuple(error["loc"]), data, lines, error["type"] == "missing")
            problems.append((line, key, error["msg"]))
        raise ConfigError(path, problems) from None


def parse_lab_config(text: str, path: str, base_dir: Path | None = None) -> LabConfig:
    config, lines = parse_yaml_model(text, path, LabConfig, context={"base_dir": base_dir})
    clashes = [(lines.get(loc), _dotted(loc), message) for loc, message in cross_checks(config)]
    if clashes:
        raise ConfigError(path, clashes)
    return config


def load_lab_config(path: str | Path) -> LabConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [(None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [(None, "", f"cannot read: {exc}")]) from None
    return parse_lab_config(text, str(path), base_dir=path.resolve().parent)


# A USIM's K and OPc given inline: the evidence copy of the config shows neither.
_INLINE_SECRET = re.compile(r"^(\s*(?:k|opc):\s*)([\"']?)[0-9a-fA-F]{32}\2\s*$", re.MULTILINE)


def redacted(text: str) -> str:
    """The lab config as evidence keeps it: inline secrets replaced."""
    return _INLINE_SECRET.sub(r"\1<redacted>", text)


def write_lab_config(config: LabConfig, path: Path) -> Path:
    """A config made through the models (a variant of a loaded one) as YAML
    that loads back to the same config; paths are absolute by then."""
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
    return path


def json_schema() -> str:
    return json.dumps(LabConfig.model_json_schema(), indent=2)

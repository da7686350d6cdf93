"""A YAML loader that remembers where every mapping key was written.

Errors about a spec then say ``job.yml:7: unknown key 'foo'``. Duplicate keys are an error
too (PyYAML silently keeps the last one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from modelyard.errors import InvalidArgument

__all__ = ["LinedMap", "line_of", "load_yaml"]


class LinedMap(dict):
    """A dict whose ``lines`` maps each key to the 1-based line it was written on."""

    lines: dict[Any, int]
    line: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = {}
        self.line = 0


def _loader_class(source: str) -> type[yaml.SafeLoader]:
    class _Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LinedMap:
        loader.flatten_mapping(node)
        out = LinedMap()
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in out:
                raise InvalidArgument(f"{source}:{line}: duplicate key {key!r}")
            out[key] = loader.construct_object(value_node, deep=True)
            out.lines[key] = line
        return out

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return _Loader


def load_yaml(text: str, *, source: str = "<yaml>") -> Any:
    """Parse YAML text; mappings come back as :class:`LinedMap`.

    Raises:
        InvalidArgument: the text is not valid YAML (with the line) or has duplicate keys.
    """
    try:
        return yaml.load(text, Loader=_loader_class(source))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise InvalidArgument(f"{where}: invalid YAML: {e.problem or e}") from e
    except yaml.YAMLError as e:
        raise InvalidArgument(f"{source}: invalid YAML: {e}") from e


def load_yaml_file(path: str | Path) -> Any:
    """Read and parse a YAML file. Raises InvalidArgument if it is missing or malformed."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InvalidArgument(f"file not found: {p}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidArgument(f"cannot read {p}: {e}") from e
    return load_yaml(text, source=str(path))


def line_of(mapping: Any, key: Any) -> int | None:
    """The line a key was written on, if known."""
    if isinstance(mapping, LinedMap):
        return mapping.lines.get(key, mapping.line or None)
    return None

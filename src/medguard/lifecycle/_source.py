"""Reading policy files while keeping the line of every key, so errors can name it.

YAML (and JSON, read as YAML) is composed with PyYAML's node API, whose marks give lines;
TOML is parsed by :mod:`tomllib` and the line of a key path is found by scanning the text.
A path is a tuple of keys and list indexes: ``("fields", "mobile", "sharing", "op")``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Any

from medguard.errors import MissingDependency

__all__ = ["Locate", "Located", "parse_toml", "parse_yaml"]

Path = tuple[str | int, ...]
Locate = Callable[[Path], int | None]
MAX_NODES = 100_000


class Located:
    """Parsed data and the line (1-based) where each key path starts."""

    def __init__(self, data: Any, lines: dict[Path, int]) -> None:
        self.data = data
        self.lines = lines

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its longest prefix that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class SourceError(Exception):
    """A file that does not parse: the line and the parser's problem."""

    def __init__(self, line: int | None, problem: str, path: Path = ()) -> None:
        self.line = line
        self.problem = problem
        self.path = path
        super().__init__(problem)


def parse_yaml(text: str) -> Located:
    """Parse YAML keeping lines; duplicate keys and non-string keys are errors."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise MissingDependency("pyyaml", extra="all", feature="YAML policies") from None
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # a character YAML does not allow (a raw DEL, a NUL...)
        mark = getattr(exc, "position", None)
        line = None if mark is None else text.count("\n", 0, mark) + 1
        raise SourceError(line, "not valid YAML: a character YAML does not allow") from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = None if mark is None else mark.line + 1
            raise SourceError(line, f"not valid YAML: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise SourceError(None, f"not valid YAML: {exc}") from None
        lines: dict[Path, int] = {}
        count = [0]

        def build(n: Any, path: Path) -> Any:
            count[0] += 1
            if count[0] > MAX_NODES:
                raise SourceError(n.start_mark.line + 1, "too many YAML nodes (aliases?)", path)
            lines.setdefault(path, n.start_mark.line + 1)
            if isinstance(n, yaml.MappingNode):
                out: dict[str, Any] = {}
                for key_node, value_node in n.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        raise SourceError(key_node.start_mark.line + 1, "a key must be text", path)
                    key = loader.construct_object(key_node)
                    if not isinstance(key, str):
                        key = str(key) if isinstance(key, (int, bool)) else key
                    if not isinstance(key, str):
                        raise SourceError(key_node.start_mark.line + 1, "a key must be text", path)
                    if key in out:
                        raise SourceError(
                            key_node.start_mark.line + 1, f"duplicate key {key!r}", (*path, key)
                        )
                    lines[(*path, key)] = key_node.start_mark.line + 1
                    out[key] = build(value_node, (*path, key))
                return out
            if isinstance(n, yaml.SequenceNode):
                return [build(item, (*path, i)) for i, item in enumerate(n.value)]
            try:
                return loader.construct_object(n)
            except yaml.YAMLError as exc:
                raise SourceError(n.start_mark.line + 1, f"bad value: {exc}", path) from None

        data = None if node is None else build(node, ())
    finally:
        loader.dispose()
    return Located(data, lines)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _split_key(text: str) -> list[str]:
    """A dotted TOML key (``a."b.c".d``) as its parts."""
    parts: list[str] = []
    current = ""
    quote: str | None = None
    for ch in text.strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                current += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def _strip_comment(line: str) -> str:
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _toml_lines(text: str) -> dict[Path, int]:
    lines: dict[Path, int] = {}
    header: Path = ()
    arrays: dict[Path, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith("[["):
            name = tuple(_split_key(line[2 : line.find("]]")]))
            index = arrays.get(name, -1) + 1
            arrays[name] = index
            header = (*name, index)
            lines.setdefault(name, number)
            lines[header] = number
        elif line.startswith("["):
            header = tuple(_split_key(line[1 : line.find("]")]))
            lines.setdefault(header, number)
        elif "=" in line:
            key, _, value = line.partition("=")
            path = (*header, *_split_key(key))
            lines.setdefault(path, number)
            value = value.strip()
            if value.startswith("{"):  # inline table: its keys are on this line
                for inner in re.findall(r"([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=", value):
                    lines.setdefault((*path, inner.strip('"')), number)
    return lines


def parse_toml(text: str) -> Located:
    """Parse TOML; the lines come from scanning the text for each key path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise SourceError(line, f"not valid TOML: {exc}") from None
    return Located(data, _toml_lines(text))


_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def json_dumps(data: Any) -> str:
    """JSON that YAML readers accept too (characters YAML forbids raw are escaped)."""
    import json

    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def yaml_dumps(data: Any) -> str:
    """YAML (block style, Unicode kept) that reads back equal.

    Strings holding characters YAML treats as line breaks or forbids raw (NEL, U+2028, DEL...)
    are written double-quoted, where they are escaped: PyYAML's plain and single-quoted
    styles would fold a NEL into a space.
    """
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = '"' if _NOT_YAML_PRINTABLE.search(value) or "\x85" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    dumped: str = yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)
    return dumped


def toml_dumps(data: dict[str, Any]) -> str:
    """Write plain policy data as TOML (tables for mappings, ``[[...]]`` for lists of them)."""
    out: list[str] = []
    _toml_table(data, (), out)
    return "\n".join(out).strip() + "\n"


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    import datetime as dt
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):  # TOML basic strings escape like JSON, DEL included
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _inline(value: Any) -> bool:
    """True when ``value`` is written as ``key = value`` (not as a table)."""
    if value is None or isinstance(value, dict):
        return False
    return not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value))


def _toml_table(data: dict[str, Any], path: tuple[str, ...], out: list[str]) -> None:
    tables: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append((key, value))
        elif not _inline(value):
            arrays.append((key, value))
        else:
            out.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables:
        sub = (*path, key)
        if not value or any(_inline(v) for v in value.values()):
            out.append("")
            out.append("[" + ".".join(_toml_key(k) for k in sub) + "]")
        _toml_table(value, sub, out)
    for key, items in arrays:
        sub = (*path, key)
        for item in items:
            out.append("")
            out.append("[[" + ".".join(_toml_key(k) for k in sub) + "]]")
            for k, v in item.items():
                if v is not None:
                    out.append(f"{_toml_key(k)} = {_toml_value(v)}")

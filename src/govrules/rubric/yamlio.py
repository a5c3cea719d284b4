"""Reading pack files: YAML with exact numbers and line numbers.

A pack author needs every error to point at a line of their file, so the
loader keeps, for every mapping key and list entry, the line it was written
on. Numbers with a fraction are read straight into :class:`~decimal.Decimal`
from their text, so ``0.1`` in a pack is exactly one tenth.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..errors import PackError, Problem

Path_ = tuple[str | int, ...]


# libyaml's parser when PyYAML has it (about 10× faster: pack files are large);
# the same safe constructors either way.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    pass


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node)
    return Decimal(str(text).replace("_", ""))


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


class Located:
    """Data read from a YAML file, with the line of every path in it."""

    def __init__(self, file: str, data: Any, lines: dict[Path_, int], files: dict[Path_, str] | None = None):
        self.file = file
        self.data = data
        self.lines = lines
        # Parts merged in from another file (a tailored pack's parent): path → that file.
        self.files = files or {}

    def file_of(self, path: Path_) -> str:
        """The file the data at ``path`` was written in."""
        path = tuple(path)
        while path:
            if path in self.files:
                return self.files[path]
            path = path[:-1]
        return self.files.get((), self.file)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def context(self, path: Path_) -> str:
        """A reader's name for the row at ``path``: the innermost indicator or ledger it is in."""
        node = self.data
        label = ""
        for i, key in enumerate(path):
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                break
            parent = path[i - 1] if i else None
            if isinstance(node, dict) and parent in ("indicators", "children", "adjustments", "zeroing", "facts", "targets", "readings"):
                ident = node.get("id", node.get("name"))
                name = node.get("name") if "id" in node else node.get("label")
                kind = {"facts": "事实", "targets": "考核对象", "readings": "解读"}.get(str(parent), "指标")
                label = f"{kind} {ident}" + (f"（{name}）" if name and name != ident else "")
        return label

    def where(self, path: Path_) -> str:
        line = self.line_of(path)
        loc = _format_path(path)
        ctx = self.context(path)
        file = self.file_of(path)
        head = f"{file}:{line}" if line else file
        parts = [head]
        if ctx:
            parts.append(ctx)
        if loc:
            parts.append(loc)
        return " ".join(parts)


def _format_path(path: Path_) -> str:
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + str(key)
    return out


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[Problem], file: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(f"{file}:{line}", f"key {key!r} is given twice in one mapping (first on line {seen[key]})")
                )
            seen[key] = line
            lines[path + (key,)] = line
            _walk(value_node, path + (key,), lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), lines, problems, file)


def load_yaml_text(text: str, file: str) -> Located:
    """Parse YAML text; raise :class:`PackError` naming the line on a syntax error."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise PackError(f"{file} is empty", [Problem(file, "the file has no content")])
            lines: dict[Path_, int] = {}
            problems: list[Problem] = []
            _walk(node, (), lines, problems, file)
            if problems:
                raise PackError(f"{file} has duplicate keys", problems)
            # Build the data from the same node tree: the text is parsed once.
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        reason = getattr(exc, "problem", None) or str(exc)
        raise PackError(f"{file} is not valid YAML", [Problem(where, str(reason))]) from None
    return Located(file, data, lines)


def load_yaml_file(path: Path, cache: "ParseCache | None" = None) -> Located:
    """Parse a YAML file, or take its parse from ``cache`` if the file's bytes are the same."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PackError(f"pack file not found: {path}", [Problem(str(path), "no such file")]) from None
    except OSError as exc:
        raise PackError(f"cannot read {path}", [Problem(str(path), exc.strerror or str(exc))]) from None
    if cache is not None:
        hit = cache.get(raw, str(path))
        if hit is not None:
            return hit
    try:
        # Universal newlines, as reading the file as text would give.
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise PackError(f"{path} is not UTF-8 text", [Problem(str(path), str(exc))]) from None
    located = load_yaml_text(text, str(path))
    if cache is not None:
        cache.put(raw, located)
    return located


#: What a cached parse depends on besides the file's bytes: this loader and the pickle format.
_CACHE_SALT = f"govrules {__version__} pyyaml {yaml.__version__} {_Base.__name__} python {sys.version_info[:2]}\n".encode()


class _PlainData(pickle.Unpickler):
    """Unpickles plain data only: a cache file can hold nothing that runs code."""

    _ALLOWED = {("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
        return super().find_class(module, name)


class ParseCache:
    """Parsed pack files kept on disk, keyed by the files' bytes.

    Loading a pack is mostly parsing its YAML, and every command loads every
    installed pack. With a cache, a pack file that has not changed is read
    back already parsed. Only the parse is kept: every pack is still
    validated and checked each time it is loaded. Entries hold plain data
    only (dicts, lists, text, numbers, decimals, dates), and are read back
    with an unpickler that refuses anything else; an entry that cannot be
    read is ignored and written again. Nothing goes wrong without a cache
    directory: the pack is parsed as if there were no cache.

    The library uses no cache unless given one (``Registry.discover(cache=…)``,
    ``load_pack(…, cache=…)``); the ``govrules`` command uses
    :meth:`default`.
    """

    #: Entries kept: each edit of a pack file adds one (40–150 KB), so the
    #: oldest are removed beyond this many.
    MAX_ENTRIES = 200

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    @classmethod
    def default(cls) -> "ParseCache | None":
        """``$XDG_CACHE_HOME/govrules`` (or ``~/.cache/govrules``); None if ``GOVRULES_CACHE=off``."""
        if os.environ.get("GOVRULES_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
            return None
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return cls(Path(base) / "govrules")

    def _entry(self, raw: bytes) -> Path:
        return self.directory / f"{hashlib.sha256(_CACHE_SALT + raw).hexdigest()}.pickle"

    def _prune(self) -> None:
        entries = list(self.directory.glob("*.pickle"))
        if len(entries) <= self.MAX_ENTRIES:
            return
        entries.sort(key=lambda p: p.stat().st_mtime)
        for old in entries[: len(entries) - self.MAX_ENTRIES]:
            old.unlink(missing_ok=True)

    def get(self, raw: bytes, file: str) -> Located | None:
        try:
            blob = self._entry(raw).read_bytes()
            data, lines = _PlainData(io.BytesIO(blob)).load()
        except Exception:  # missing, unreadable, truncated or not plain data: parse again
            return None
        return Located(file, data, lines)

    def put(self, raw: bytes, located: Located) -> None:
        tmp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".tmp", delete=False) as fh:
                tmp = fh.name
                pickle.dump((located.data, located.lines), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._entry(raw))  # atomic: a reader sees the old entry or the whole new one
            tmp = None
            self._prune()
        except OSError:
            pass  # no cache here (read-only home, full disk): the pack was parsed anyway
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

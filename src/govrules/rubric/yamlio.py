"""Reading pack files: YAML with exact numbers and line numbers.

A pack author needs every error to point at a line of their file, so the
loader keeps, for every mapping key and list entry, the line it was written
on. Numbers with a fraction are read straight into :class:`~decimal.Decimal`
from their text, so ``0.1`` in a pack is exactly one tenth.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import hmac
import io
import os
import pickle
import secrets
import stat
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError

from ..fileio import write_all
from .. import __version__
from ..errors import PackError, Problem
from ..untrusted import has_lone_surrogate, shown

Path_ = tuple[str | int, ...]


#: Limits on a YAML file (a pack file, or any text given to load_yaml_text). The largest
#: shipped pack file is 85 KB, 4,419 values, nested 12 deep; the limits
#: leave ample room for real packs and stop files built to exhaust memory or
#: time before they can.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Values (scalars, lists, mappings) in one file, counted while parsing.
MAX_NODES = 100_000
#: Lists and mappings inside each other.
MAX_DEPTH = 64
#: A number has at most this many digits and lies strictly between -10^28 and
#: 10^28, the precision of score arithmetic (:mod:`govrules.numbers`).
MAX_DIGITS = 28
#: Longest text a number may be written with (before it is read at all).
_MAX_NUMBER_TEXT = 80


# libyaml's parser when PyYAML has it (about 10× faster: pack files are large);
# the same safe constructors either way. The nodes are composed by PyYAML's
# own composer, counting as it goes. An alias (``*name``) repeats the value
# its anchor names, and a few lines of aliases of aliases expand to billions
# of values: every value is counted as often as aliases repeat it, and a file
# is refused once that count passes ``max_nodes``, or its values, expanded,
# nest deeper than ``max_depth``. The node tree itself stays as small as the
# text, and everything that walks it afterwards visits at most that many values.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base, Composer):  # type: ignore[misc,valid-type]
    def __init__(self, stream: str, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH):
        super().__init__(stream)
        self.anchors = {}
        self._nodes = 0  # values so far, each counted as often as aliases repeat it
        self._depth = 0
        self._max_nodes = max_nodes
        self._max_depth = max_depth
        # For each anchor whose value is complete: that value's size and height, aliases expanded.
        self._extent: dict[str, tuple[int, int]] = {}

    # Python's composer over the C parser's events (libyaml's own composer cannot be bounded).
    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        return self._compose(parent, index)[0]

    def _compose(self, parent: yaml.Node | None, index: object) -> tuple[yaml.Node, int, int]:
        """PyYAML's ``Composer.compose_node`` in one piece, returning the node's size and height (aliases expanded)."""
        event = self.peek_event()
        kind = type(event)
        if kind is yaml.AliasEvent:
            node = self.anchors.get(event.anchor)
            if node is None:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            extent = self._extent.get(event.anchor)
            if extent is None:
                raise ComposerError(None, None, f"the alias *{event.anchor} is inside the value it names, which would never end", event.start_mark)
            self._count(extent[0], event.start_mark)
            if self._depth + extent[1] > self._max_depth:
                raise ComposerError(None, None, f"lists and mappings nested more than {self._max_depth} deep (aliases expanded)", event.start_mark)
            self.get_event()
            return node, extent[0], extent[1]
        self._count(1, event.start_mark)
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence", self.anchors[anchor].start_mark, "second occurrence", event.start_mark
            )
        paths = bool(self.yaml_path_resolvers)  # none for the safe loader: skip the calls
        if paths:
            self.descend_resolver(parent, index)
        self.get_event()
        tag = event.tag
        if kind is yaml.ScalarEvent:
            if tag is None or tag == "!":
                tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)
            node: yaml.Node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            if anchor is not None:
                self.anchors[anchor] = node
            size, height = 1, 1
        else:
            self._depth += 1
            if self._depth > self._max_depth:
                raise ComposerError(None, None, f"lists and mappings nested more than {self._max_depth} deep", event.start_mark)
            size, height = 1, 0
            if kind is yaml.SequenceStartEvent:
                if tag is None or tag == "!":
                    tag = self.resolve(yaml.SequenceNode, None, event.implicit)
                node = yaml.SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
                if anchor is not None:
                    self.anchors[anchor] = node
                items = node.value
                i = 0
                while type(self.peek_event()) is not yaml.SequenceEndEvent:
                    child, n, h = self._compose(node, i)
                    items.append(child)
                    size += n
                    height = h if h > height else height
                    i += 1
            else:
                if tag is None or tag == "!":
                    tag = self.resolve(yaml.MappingNode, None, event.implicit)
                node = yaml.MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
                if anchor is not None:
                    self.anchors[anchor] = node
                pairs = node.value
                while type(self.peek_event()) is not yaml.MappingEndEvent:
                    key, n, h = self._compose(node, None)
                    value, m, g = self._compose(node, key)
                    pairs.append((key, value))
                    size += n + m
                    height = max(height, h, g)
            node.end_mark = self.get_event().end_mark
            self._depth -= 1
            height += 1
        if paths:
            self.ascend_resolver()
        if anchor is not None:
            self._extent[anchor] = (size, height)
        return node, size, height

    def _count(self, n: int, mark: Any) -> None:
        self._nodes += n
        if self._nodes > self._max_nodes:
            raise ComposerError(None, None, f"more than {self._max_nodes} values in one file (aliases expanded)", mark)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A scalar the safe constructors cannot read (a date that does not
        # exist, an int too long for Python, ``!!bool maybe``) is an error at
        # its line, like any other YAML error.
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, ArithmeticError, LookupError, TypeError, AttributeError) as exc:
            what = f"{shown(node.value, 40)} " if isinstance(node, yaml.ScalarNode) else ""
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise ConstructorError(None, None, f"{what}cannot be read as {tag}: {exc}", node.start_mark) from None


def _number_problem(text: str) -> str | None:
    return f"{shown(text, 40)} is too long for a number" if len(text) > _MAX_NUMBER_TEXT else None


def _bounded(value: Decimal | int, node: yaml.ScalarNode) -> None:
    d = Decimal(value)
    if len(d.as_tuple().digits) > MAX_DIGITS or d.adjusted() >= MAX_DIGITS or d.as_tuple().exponent < -MAX_DIGITS:  # type: ignore[operator]
        raise ConstructorError(
            None, None, f"{shown(node.value, 40)}: a number has at most {MAX_DIGITS} digits and lies between -10^{MAX_DIGITS} and 10^{MAX_DIGITS}", node.start_mark
        )


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    problem = _number_problem(text)
    if problem is None:
        try:
            value = Decimal(text) if ":" not in text else None
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite():
            problem = f"{shown(node.value, 40)} is not a number a pack can use: write a finite decimal such as 0.5"
    if problem is not None:
        raise ConstructorError(None, None, problem, node.start_mark)
    _bounded(value, node)  # type: ignore[arg-type]
    return value  # type: ignore[return-value]


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    problem = _number_problem(str(node.value))
    if problem is not None:
        raise ConstructorError(None, None, problem, node.start_mark)
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    _bounded(value, node)
    return value


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
_Loader.add_constructor("tag:yaml.org,2002:int", _int)


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

    def problem(self, path: Path_, message: str) -> Problem:
        """A :class:`Problem` at ``path``, its place given both as text and as parts."""
        return Problem(
            self.where(path), message, file=self.file_of(path), line=self.line_of(path), row=self.context(path), path=_format_path(path)
        )

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


class RefusedFile(OSError):
    """A file that is not read: not a regular file, or too large. ``strerror`` says why."""


def read_regular_file(path: "str | os.PathLike[str]", limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`RefusedFile`.

    A directory, device (``/dev/zero``), pipe (a FIFO would wait for a writer
    forever) or socket is refused before it is read; the file is opened
    without blocking and checked again once open, and never more than
    ``limit`` bytes are read even if it grows meanwhile. Symbolic links are
    followed. Other failures are the usual :class:`OSError`.
    """
    st = os.stat(path)
    _check_regular(st, limit)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _check_regular(os.fstat(fd), limit)
        data = _read_fd(fd, limit)
        if data is None:
            raise RefusedFile(errno.EFBIG, f"larger than {_size(limit)}")
        return data
    finally:
        os.close(fd)


def _read_fd(fd: int, limit: int) -> bytes | None:
    """Everything left in ``fd``, or None once it is more than ``limit`` bytes."""
    chunks = []
    total = 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None


def _check_regular(st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a pipe" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise RefusedFile(errno.EINVAL, f"not a regular file ({kind})")
    if st.st_size > limit:
        raise RefusedFile(errno.EFBIG, f"larger than {_size(limit)}")


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[Problem], file: str) -> None:
    # Bounded: the composer refused more values than max_nodes and nesting deeper
    # than max_depth, both counted with aliases expanded as this walk follows them.
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(f"{file}:{line}", "a key is a name or a number, not a list or a mapping"))
                continue
            key = key_node.value
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
    elif isinstance(node, yaml.ScalarNode) and not node.style and "\t" in node.value:  # plain: style None (PyYAML) or "" (libyaml)
        # libyaml reads a tab inside unquoted text; PyYAML's own parser refuses the file. A pack must
        # load the same everywhere, so it is held to the stricter one (a 「quote」 pasted with its tab).
        problems.append(
            Problem(f"{file}:{node.start_mark.line + 1}", "a tab inside unquoted text, which YAML without libyaml refuses: put the value in quotes (\"…\") or write a space")
        )


def load_yaml_text(text: str, file: str, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Located:
    """Parse YAML text; raise :class:`PackError` naming the line on a syntax error.

    The text is bounded (:data:`MAX_FILE_BYTES` characters, ``max_nodes``
    values and ``max_depth`` levels of nesting, aliases expanded), and every scalar
    must be readable as what it looks like or is tagged as (a real date, a
    finite number of at most :data:`MAX_DIGITS` digits): anything else is a
    :class:`PackError` naming the line, never another exception.
    """
    if len(text) > MAX_FILE_BYTES:
        raise PackError(f"{file} is too large", [Problem(file, f"more than {_size(MAX_FILE_BYTES)} of text")])
    if has_lone_surrogate(text):
        raise PackError(f"{file} is not valid text", [Problem(file, "it holds a lone surrogate, which no file can contain")])
    try:
        loader = _Loader(text, max_nodes, max_depth)
        try:
            node = loader.get_single_node()
            if node is None:
                raise PackError(f"{file} is empty", [Problem(file, "the file has no content")])
            lines: dict[Path_, int] = {}
            problems: list[Problem] = []
            _walk(node, (), lines, problems, file)
            if problems:
                raise PackError(f"{file}: {len(problems)} problem(s) in the YAML", problems)
            # Build the data from the same node tree: the text is parsed once.
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        reason = getattr(exc, "problem", None) or str(exc)
        raise PackError(f"{file} is not valid YAML", [Problem(where, str(reason))]) from None
    except RecursionError:  # PyYAML's pure-Python parser, without libyaml, recurses as it nests
        raise PackError(f"{file} is not valid YAML", [Problem(file, "nested too deep")]) from None
    return Located(file, data, lines)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n % (1024 * 1024) == 0 else f"{n} bytes"


def load_yaml_file(path: Path, cache: "ParseCache | None" = None) -> Located:
    """Parse a YAML file, or take its parse from ``cache`` if the file's bytes are the same.

    Only a regular file (or a symbolic link to one) of at most
    :data:`MAX_FILE_BYTES` is read; a directory, device, pipe or socket is
    refused without waiting on it.
    """
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise PackError(f"pack file not found: {path}", [Problem(str(path), "no such file")]) from None
    except OSError as exc:
        raise PackError(f"cannot read {path}", [Problem(str(path), exc.strerror or str(exc))]) from None
    except ValueError as exc:  # a NUL in the name
        raise PackError(f"cannot read {path}", [Problem(str(path), str(exc))]) from None
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


#: What a cached parse depends on besides the file's bytes: this loader (its
#: limits and checks included: 3 refuses a tab in unquoted text), the entry format and the pickle format.
_CACHE_SALT = (
    f"govrules parse cache 3 {__version__} pyyaml {yaml.__version__} {_Base.__name__} python {sys.version_info[:2]} "
    f"limits {MAX_FILE_BYTES} {MAX_NODES} {MAX_DEPTH} {MAX_DIGITS}\n"
).encode()

#: An entry: this line, an HMAC-SHA256 tag, then the pickle of (sha256 of the source bytes, data, lines).
_MAGIC = b"govrules parse cache 2\n"
_TAG = 32
_KEY_FILE = "key"
_KEY_BYTES = 32

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
#: The cache works through a descriptor of its folder (so the folder checked is the folder used); without that, no cache.
_SUPPORTED = (
    hasattr(os, "geteuid")
    and hasattr(os, "O_DIRECTORY")
    and os.open in os.supports_dir_fd
    and os.stat in os.supports_dir_fd
    and os.unlink in os.supports_dir_fd
    and os.rename in os.supports_dir_fd  # os.replace is renameat too, though not listed
    and os.link in os.supports_dir_fd
    and os.scandir in os.supports_fd
)


class _PlainData(pickle.Unpickler):
    """Unpickles plain data only: a cache file can hold nothing that runs code."""

    _ALLOWED = {("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
        return super().find_class(module, name)


_SCALARS = frozenset({str, int, bool, type(None), Decimal, dt.date, dt.datetime, bytes})


def _is_parse(value: object, source: bytes) -> bool:
    """True if ``value`` is what :meth:`ParseCache.put` stores for ``source``: (its sha256, plain data, lines)."""
    if type(value) is not tuple or len(value) != 3:
        return False
    digest, data, lines = value
    if type(digest) is not bytes or digest != source:
        return False
    if type(lines) is not dict:
        return False
    for path, line in lines.items():
        if type(path) is not tuple or type(line) is not int or not all(type(p) is str or type(p) is int for p in path):
            return False
    # The data: what the loader builds, nothing else, within its limits.
    stack: list[tuple[object, int]] = [(data, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > 2 * MAX_NODES or depth > MAX_DEPTH:
            return False
        kind = type(item)
        if kind is dict:
            for key, child in item.items():  # type: ignore[attr-defined]
                if type(key) not in _SCALARS:
                    return False
                stack.append((child, depth + 1))
        elif kind is list or kind is tuple or kind is set:
            stack.extend((child, depth + 1) for child in item)  # type: ignore[attr-defined]
        elif kind not in _SCALARS:
            return False
        elif kind is Decimal and not item.is_finite():  # type: ignore[attr-defined]
            return False
        elif kind is dt.datetime and item.tzinfo is not None and type(item.tzinfo) is not dt.timezone:  # type: ignore[attr-defined]
            return False
    return True


class ParseCache:
    """Parsed pack files kept on disk, keyed by the files' bytes.

    Loading a pack is mostly parsing its YAML, and every command loads every
    installed pack. With a cache, a pack file that has not changed is read
    back already parsed. Only the parse is kept: every pack is still
    validated and checked each time it is loaded.

    Nothing in the cache is trusted:

    * the folder is used only if it is a real folder (not a symbolic link)
      owned by the current user and writable by no one else; otherwise there
      is no cache (``refused`` says why);
    * an entry is read only if it is a regular file owned by the current user
      and at most :attr:`MAX_ENTRY_BYTES`, opened without following links or
      blocking (a FIFO planted there cannot hang a command);
    * an entry carries an HMAC of the source file's bytes and of its content,
      keyed by a random secret (``key``, 0600, made with the folder): an
      entry the cache did not write itself (planted, copied from another
      user or machine, or for another file) fails the check and is never
      unpickled;
    * what is unpickled is plain data only (an allow-list unpickler), and of
      the shape the loader produces (data of dicts, lists, text, numbers,
      decimals, dates; lines a dict of paths to ints), with the sha256 of
      the source bytes it was made from.

    An entry that fails any check is ignored and written again; the cache
    never raises. Nothing goes wrong without a cache directory: the pack is
    parsed as if there were no cache.

    The library uses no cache unless given one (``Registry.discover(cache=…)``,
    ``load_pack(…, cache=…)``); the ``govrules`` command uses
    :meth:`default`.
    """

    #: Entries kept: each edit of a pack file adds one (40–150 KB), so the
    #: oldest are removed beyond this many.
    MAX_ENTRIES = 200
    #: Largest entry read or written (a pack file at the size limit, parsed).
    MAX_ENTRY_BYTES = 32 * 1024 * 1024

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        #: Why the folder is not used, once it has been refused.
        self.refused: str | None = None
        self._key: bytes | None = None

    @classmethod
    def default(cls) -> "ParseCache | None":
        """``$XDG_CACHE_HOME/govrules`` (or ``~/.cache/govrules``); None if ``GOVRULES_CACHE=off``."""
        if os.environ.get("GOVRULES_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
            return None
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return cls(Path(base) / "govrules")

    # ------------------------------------------------------------ the folder

    def _open_folder(self, create: bool) -> int | None:
        """A descriptor of the cache folder, if it is safe to use; None otherwise."""
        if not _SUPPORTED:
            return None
        if create:
            try:
                self.directory.parent.mkdir(parents=True, exist_ok=True)
                os.mkdir(self.directory, 0o700)
            except FileExistsError:
                pass
            except OSError:
                return None
        try:
            fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC)
        except OSError:
            return None
        st = os.fstat(fd)
        problem = None
        if st.st_uid != os.geteuid():
            problem = "the folder belongs to another user"
        elif st.st_mode & 0o022:
            problem = "other users may write to the folder"
        if problem is not None:
            os.close(fd)
            self.refused = f"{self.directory}: {problem}; running without a cache"
            return None
        return fd

    @staticmethod
    def _open_own(name: str, folder: int, limit: int) -> bytes | None:
        """The bytes of ``name`` in the folder if it is a regular file of ours of at most ``limit`` bytes."""
        try:
            fd = os.open(name, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC, dir_fd=folder)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > limit:
                return None
            if name == _KEY_FILE and st.st_mode & 0o077:
                return None  # a key others could read is no secret
            return _read_fd(fd, limit)
        except OSError:
            return None
        finally:
            os.close(fd)

    @staticmethod
    def _write(folder: int, data: bytes) -> str:
        """A new file of ours holding ``data``, 0600, under a temporary name; that name."""
        name = f".{secrets.token_hex(8)}.tmp"
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600, dir_fd=folder)
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
        return name

    def _read_key(self, folder: int) -> bytes | None:
        if self._key is None:
            key = self._open_own(_KEY_FILE, folder, _KEY_BYTES)
            if key is not None and len(key) == _KEY_BYTES:
                self._key = key
        return self._key

    def _make_key(self, folder: int) -> bytes:
        key = self._read_key(folder)
        if key is not None:
            return key
        tmp = self._write(folder, secrets.token_bytes(_KEY_BYTES))
        try:
            try:
                os.link(tmp, _KEY_FILE, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
            except FileExistsError:
                key = self._read_key(folder)  # made meanwhile by another process
                if key is not None:
                    return key
                os.replace(tmp, _KEY_FILE, src_dir_fd=folder, dst_dir_fd=folder)  # a bad key file: a new key
        finally:
            try:
                os.unlink(tmp, dir_fd=folder)
            except OSError:
                pass
        self._key = None
        key = self._read_key(folder)
        if key is None:
            raise OSError("the new key cannot be read back")
        return key

    # ------------------------------------------------------------- entries

    @staticmethod
    def _name(raw: bytes) -> str:
        return f"{hashlib.sha256(_CACHE_SALT + raw).hexdigest()}.pickle"

    @staticmethod
    def _tag(key: bytes, source: bytes, payload: bytes) -> bytes:
        return hmac.new(key, _CACHE_SALT + source + payload, hashlib.sha256).digest()

    def get(self, raw: bytes, file: str) -> Located | None:
        """The parse of the file whose bytes are ``raw``, if a sound entry has it; else None."""
        try:
            folder = self._open_folder(create=False)
            if folder is None:
                return None
            try:
                key = self._read_key(folder)
                blob = self._open_own(self._name(raw), folder, self.MAX_ENTRY_BYTES) if key is not None else None
            finally:
                os.close(folder)
            if key is None or blob is None or not blob.startswith(_MAGIC):
                return None
            tag = blob[len(_MAGIC) : len(_MAGIC) + _TAG]
            payload = blob[len(_MAGIC) + _TAG :]
            source = hashlib.sha256(raw).digest()
            if not hmac.compare_digest(tag, self._tag(key, source, payload)):
                return None
            value = _PlainData(io.BytesIO(payload)).load()
            if not _is_parse(value, source):
                return None
        except Exception:  # unreadable, truncated, not ours, not plain data: parse again
            return None
        _, data, lines = value
        return Located(file, data, lines)

    def put(self, raw: bytes, located: Located) -> None:
        """Keep the parse of the file whose bytes are ``raw``; never raises."""
        try:
            source = hashlib.sha256(raw).digest()
            payload = pickle.dumps((source, located.data, located.lines), protocol=pickle.HIGHEST_PROTOCOL)
            if len(payload) + len(_MAGIC) + _TAG > self.MAX_ENTRY_BYTES:
                return
            folder = self._open_folder(create=True)
            if folder is None:
                return
        except Exception:
            return
        tmp = None
        try:
            key = self._make_key(folder)
            tmp = self._write(folder, _MAGIC + self._tag(key, source, payload) + payload)
            # Atomic: a reader sees the old entry or the whole new one.
            os.replace(tmp, self._name(raw), src_dir_fd=folder, dst_dir_fd=folder)
            tmp = None
            self._prune(folder)
        except Exception:
            pass  # no cache here (read-only home, full disk): the pack was parsed anyway
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp, dir_fd=folder)
                except OSError:
                    pass
            os.close(folder)

    def _prune(self, folder: int) -> None:
        entries = []
        now = time.time()
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.endswith(".pickle"):
                    entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.name))
                elif entry.name.endswith(".tmp") and now - entry.stat(follow_symlinks=False).st_mtime > 3600:
                    os.unlink(entry.name, dir_fd=folder)  # left by a process that was killed while writing
        if len(entries) <= self.MAX_ENTRIES:
            return
        entries.sort()
        for _, name in entries[: len(entries) - self.MAX_ENTRIES]:
            try:
                os.unlink(name, dir_fd=folder)
            except FileNotFoundError:
                pass

"""Hostile pack files and parse-cache entries (issue 17): only ``PackError``, never a hang, never trusted.

A pack file may come from anywhere (``govrules score ./x.yaml``, ``pack
lint``, an installed plugin), and so may whatever sits in the parse cache's
folder. Whatever they hold, loading ends in a :class:`govrules.PackError`
naming the file and line, a broken installed pack is listed as broken without
hiding the others, and a cache entry the cache did not write is never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import stat
import tempfile
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import govrules
from govrules.rubric import yamlio
from govrules.pack import MAX_SOURCE_BYTES, load_pack, load_pack_text
from govrules.rubric.yamlio import MAX_FILE_BYTES, ParseCache, load_yaml_file

import test_tailoring as tailoring_cases
from datonghu_facts import xz

DOC = "考核表\n主动公开 10分 未按时限完成的，每次扣0.1分 专题 未按要求不计分 最高扣分不超过3分\n"

GOOD = """\
format: 1
pack: {id: mini, version: "1", title: 测试, issuer: 测试办, source: 测试文件, source_text: source.txt, year: 2023, date: 2023-10-23}
targets:
  - {id: town, name: 乡镇, total: 10}
facts:
  - {name: late_count, label: 迟报次数, type: count, maximum: 99}
  - {name: ok, label: 按要求, type: boolean}
indicators:
  - id: s
    name: 主动公开
    points: {town: 10}
    children:
      - id: s.1
        name: 迟报
        points: {town: 6}
        rules:
          - {id: late, kind: per_occurrence, fact: late_count, amount: 0.1, quote: 未按时限完成的，每次扣0.1分}
        caps:
          - {rules: [late], max: 3, quote: 最高扣分不超过3分}
      - id: s.2
        name: 按要求
        points: {town: 4}
        rules:
          - {id: unmet, kind: all_or_nothing, when: {fact: ok, is: false}, quote: 未按要求不计分}
"""

GOOD_INPUT = {"target": "town", "facts": {"late_count": 2, "ok": True}}


def write_pack(folder: Path, text: str = GOOD, document: str | None = DOC) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rubric.yaml"
    path.write_text(text, encoding="utf-8")
    if document is not None:
        (folder / "source.txt").write_text(document, encoding="utf-8")
    return path


def pack_error(func: Callable[[], object]) -> govrules.PackError:
    """The PackError ``func`` raises, which must come within seconds (a hang fails, it does not hang the suite)."""
    outcome: dict[str, BaseException | object] = {}

    def run() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - the test decides
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "loading hung"
    error = outcome.get("error")
    assert isinstance(error, govrules.PackError), f"expected a PackError, got {error!r} / {outcome.get('value')!r}"
    return error


def within_seconds(func: Callable[[], Any], seconds: float = 20) -> Any:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), "hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def plugin_for(*paths: object) -> object:
    class Plugin:
        @govrules.hookimpl
        def govrules_packs(self):  # type: ignore[no-untyped-def]
            return list(paths)

    return Plugin()


def test_the_good_pack_loads(tmp_path):
    pack = load_pack(write_pack(tmp_path / "p"))
    assert pack.assess(GOOD_INPUT).total == Decimal("9.8")


# ------------------------------------------------------------ numbers and dates


@pytest.mark.parametrize("amount", [".inf", "-.inf", ".nan", ".NaN", "!!float x", "!!float ''", "190:20:30.15", "1.5e+99999"])
def test_a_number_that_is_not_finite_is_a_pack_error_at_its_line(tmp_path, amount):
    path = write_pack(tmp_path / "p", GOOD.replace("amount: 0.1,", f"amount: {amount},"))
    err = pack_error(lambda: load_pack(path))
    (problem,) = err.problems
    assert problem.where == f"{path}:17"
    assert "number" in problem.message


def test_a_quoted_huge_number_is_refused_by_the_model():
    err = pack_error(lambda: load_pack_text(GOOD.replace("amount: 0.1,", 'amount: "1e999999999",'), "mini.yaml", DOC))
    assert any(p.where.startswith("mini.yaml:17") and "at most 28 digits" in p.message for p in err.problems)


@pytest.mark.parametrize(
    "value",
    ["2023-02-30", "2023-13-01", "!!timestamp 2023-02-30", "9" * 5000, "-" + "1" * 40, "!!int ''", "!!int 0x" + "f" * 40, "!!bool maybe"],
)
def test_a_scalar_that_cannot_be_read_is_a_pack_error_at_its_line(tmp_path, value):
    path = write_pack(tmp_path / "p", GOOD.replace("date: 2023-10-23", f"date: {value}"))
    err = pack_error(lambda: load_pack(path))
    assert [p.where for p in err.problems] == [f"{path}:2"]


@pytest.mark.parametrize("value", ["2023-02-30", "9" * 5000])
def test_an_unreadable_scalar_in_an_installed_pack_leaves_the_others(tmp_path, registry, value):
    bad = write_pack(tmp_path / "bad", GOOD.replace("year: 2023", f"year: {value}"))
    good = write_pack(tmp_path / "good", GOOD.replace("id: mini", "id: mini_ok"))
    reg = within_seconds(lambda: govrules.Registry.discover(plugins=[("hostile", plugin_for(bad, good))]))
    assert set(registry.ids) | {"mini_ok"} == set(reg.ids)
    (broken,) = reg.broken
    assert broken.plugin == "hostile" and broken.problems[0].where == f"{bad}:2"


# --------------------------------------------------------- size, aliases, depth

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    err = within_seconds(lambda: pack_error(lambda: load_pack(path)), 5)
    (problem,) = err.problems
    assert problem.where.startswith(f"{path}:")
    assert f"more than {yamlio.MAX_NODES} values in one file (aliases expanded)" in problem.message


def test_an_alias_inside_what_it_names_is_refused():
    for text in ("a: &a [*a]\n", "a: &a {b: [1, {c: *a}]}\n"):
        err = pack_error(lambda: load_pack_text(text, "loop.yaml"))
        assert "inside the value it names" in err.problems[0].message


def test_aliases_nesting_too_deep_once_expanded_are_refused():
    text = "a: &a " + "[" * 40 + "1" + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    err = pack_error(lambda: load_pack_text(text, "deep.yaml"))
    assert err.problems[0].where == "deep.yaml:2" and "aliases expanded" in err.problems[0].message


def test_a_few_aliases_are_fine():
    # yaml.safe_dump writes an alias for a value it meets twice (a date, a list): such files load.
    text = GOOD.replace("name: 乡镇, total: 10}", "name: &n 乡镇, total: 10}").replace("name: 迟报", "name: *n")
    pack = load_pack_text(text, "mini.yaml", DOC)
    assert pack.spec.indicators[0].children[0].name == "乡镇"


@pytest.mark.parametrize("text", ["a: " + "[" * 100 + "]" * 100, "a: " + "{b: " * 100 + "c" + "}" * 100, "".join(" " * i + "- \n" for i in range(200))])
def test_deep_nesting_is_a_pack_error(text):
    err = pack_error(lambda: load_pack_text(text, "deep.yaml"))
    assert "nested" in str(err)


def test_too_many_values_is_a_pack_error():
    text = "[" + ",".join(["1"] * (yamlio.MAX_NODES + 10)) + "]"
    err = pack_error(lambda: load_pack_text(text, "wide.yaml"))
    assert "values" in err.problems[0].message


def test_a_pack_file_over_the_size_limit_is_not_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing to read, the size alone refuses it
    err = pack_error(lambda: load_pack(path))
    assert "larger than" in err.problems[0].message
    err = pack_error(lambda: load_pack_text("a: " + "x" * (MAX_FILE_BYTES + 1), "huge.yaml"))
    assert "too large" in err.summary


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "dir"])
def test_a_pack_file_that_is_not_a_regular_file_is_refused_without_waiting(tmp_path, special):
    if special == "fifo":
        path = tmp_path / "rubric.yaml"
        os.mkfifo(path)
    elif special == "dir":
        path = tmp_path / "x.yaml"
        path.mkdir()
    else:
        path = Path(special)
    err = pack_error(lambda: load_pack(path))
    assert "not a regular file" in err.problems[0].message or "no such file" in err.problems[0].message


def test_the_commands_refuse_an_alias_bomb_without_hanging(tmp_path):
    from click.testing import CliRunner

    from govrules.cli import main

    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    facts = tmp_path / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    for args in (["pack", "lint", str(path)], ["show", str(path)], ["score", str(path), str(facts)]):
        result = within_seconds(lambda: CliRunner().invoke(main, args))
        assert result.exit_code != 0
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "aliases expanded" in result.output


# ----------------------------------------------------------------- source_text


@pytest.mark.parametrize("name", ["/etc/shadow", "/etc/passwd", "../secret.txt", "../../etc/passwd", "sub/../../secret.txt", "/dev/zero"])
def test_source_text_outside_the_pack_folder_is_refused(tmp_path, name):
    (tmp_path / "secret.txt").write_text("机密 未按时限完成的，每次扣0.1分 未按要求不计分 最高扣分不超过3分", encoding="utf-8")
    path = write_pack(tmp_path / "p", GOOD.replace("source_text: source.txt", f"source_text: {json.dumps(name)}"), document=None)
    err = pack_error(lambda: load_pack(path))
    (problem,) = err.problems
    assert problem.where.startswith(f"{path}:2") and "not inside the pack's folder" in problem.message
    assert "机密" not in str(err)


def test_a_symlink_out_of_the_pack_folder_is_refused(tmp_path):
    (tmp_path / "secret.txt").write_text(DOC, encoding="utf-8")
    path = write_pack(tmp_path / "p", document=None)
    (tmp_path / "p" / "source.txt").symlink_to(tmp_path / "secret.txt")
    err = pack_error(lambda: load_pack(path))
    assert "not inside the pack's folder" in err.problems[0].message


def test_a_source_text_in_a_subfolder_or_linked_within_is_fine(tmp_path):
    path = write_pack(tmp_path / "p", GOOD.replace("source_text: source.txt", "source_text: doc/source.txt"), document=None)
    (tmp_path / "p" / "doc").mkdir()
    (tmp_path / "p" / "real.txt").write_text(DOC, encoding="utf-8")
    (tmp_path / "p" / "doc" / "source.txt").symlink_to(tmp_path / "p" / "real.txt")
    assert load_pack(path).document == DOC


@pytest.mark.parametrize("special", ["fifo", "dir", "devzero", "big", "latin1", "nul"])
def test_a_source_text_that_is_not_a_readable_file_is_refused(tmp_path, special):
    text = GOOD
    path = write_pack(tmp_path / "p", text, document=None)
    doc = tmp_path / "p" / "source.txt"
    if special == "fifo":
        os.mkfifo(doc)
    elif special == "dir":
        doc.mkdir()
    elif special == "devzero":
        doc.symlink_to("/dev/zero")  # outside the folder anyway
    elif special == "big":
        with open(doc, "wb") as fh:
            fh.truncate(MAX_SOURCE_BYTES + 1)
    elif special == "latin1":
        doc.write_bytes("考核".encode("gb18030"))
    else:
        path.write_text(GOOD.replace("source_text: source.txt", 'source_text: "source.txt\\0"'), encoding="utf-8")
        doc.write_text(DOC, encoding="utf-8")
    err = pack_error(lambda: load_pack(path))
    assert err.problems[0].where.startswith(f"{path}:2")


# ------------------------------------------------------------------- registry


def test_any_exception_from_one_plugin_leaves_the_others(tmp_path, registry, monkeypatch):
    from govrules.rubric import checks as packcheck
    from govrules import pack as pack_module

    good = write_pack(tmp_path / "good", GOOD.replace("id: mini", "id: mini_ok"))
    crashing = write_pack(tmp_path / "crash", GOOD.replace("id: mini", "id: mini_crash"))
    real_check = pack_module.check_pack

    def check(spec, located, documents):  # type: ignore[no-untyped-def]
        if spec.pack.id == "mini_crash":
            raise RuntimeError("a bug in a check")
        return real_check(spec, located, documents)

    monkeypatch.setattr(pack_module, "check_pack", check)
    assert packcheck  # the module the real check lives in

    class NotAList:
        @govrules.hookimpl
        def govrules_packs(self):  # type: ignore[no-untyped-def]
            return 5

    class Raises:
        @govrules.hookimpl
        def govrules_packs(self):  # type: ignore[no-untyped-def]
            raise MemoryError("no")

    plugins = [
        ("good", plugin_for(good)),
        ("crash", plugin_for(crashing)),
        ("not_paths", plugin_for(5, None, b"\0")),
        ("not_a_list", NotAList()),
        ("raises", Raises()),
        ("not_a_plugin", 42),
    ]
    reg = within_seconds(lambda: govrules.Registry.discover(plugins=plugins))
    assert set(reg.ids) == set(registry.ids) | {"mini_ok"}
    broken = {b.plugin: b for b in reg.broken}
    assert set(broken) == {"crash", "not_paths", "not_a_list", "raises"} | ({"not_a_plugin"} & set(broken))
    assert "RuntimeError: a bug in a check" in broken["crash"].summary
    assert "hook failed" in broken["raises"].summary


# ------------------------------------------------------------------ the cache


def _valid_entry(cache_dir: Path, raw: bytes, value: object) -> bytes:
    """An entry signed with the cache's own key: what only the cache itself can write."""
    key = (cache_dir / "key").read_bytes()
    payload = pickle.dumps(value)
    source = hashlib.sha256(raw).digest()
    return yamlio._MAGIC + yamlio.ParseCache._tag(key, source, payload) + payload


def _datonghu_planted(datonghu: govrules.Pack) -> tuple[Path, bytes, Any]:
    path = Path(datonghu.origin)
    raw = path.read_bytes()
    located = load_yaml_file(path)
    data = located.data
    text = json.dumps(data, default=str, ensure_ascii=False)
    assert "0.1" in text
    changed = pickle.loads(pickle.dumps(data))

    def lower(node: Any) -> None:  # every 0.1 becomes 0.01
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in list(items):
            if v == Decimal("0.1"):
                node[k] = Decimal("0.01")
            else:
                lower(v)

    lower(changed)
    assert changed != data
    return path, raw, (changed, located.lines)


def test_a_planted_cache_entry_is_never_trusted(tmp_path, registry, datonghu):
    assert datonghu.assess(xz(active_late_count=42)).total == Decimal("95.8")
    path, raw, (changed, lines) = _datonghu_planted(datonghu)
    cache = ParseCache(tmp_path / "govrules")
    govrules.Registry.discover(cache=cache)  # fills the cache, and makes its key
    entry = tmp_path / "govrules" / ParseCache._name(raw)
    assert entry.is_file()
    source = hashlib.sha256(raw).digest()
    guessed_key = os.urandom(32)
    plants = [
        pickle.dumps((changed, lines)),  # the old format
        yamlio._MAGIC + bytes(32) + pickle.dumps((source, changed, lines)),
        yamlio._MAGIC + yamlio.ParseCache._tag(guessed_key, source, p := pickle.dumps((source, changed, lines))) + p,
    ]
    for blob in plants:
        entry.write_bytes(blob)
        again = govrules.Registry.discover(cache=ParseCache(tmp_path / "govrules")).get("datonghu_2023")
        assert again.content_hash == datonghu.content_hash
        assert again.assess(xz(active_late_count=42)).total == Decimal("95.8")
        assert entry.read_bytes() != blob  # written again


def test_a_world_writable_cache_folder_is_not_used(tmp_path, registry):
    folder = tmp_path / "govrules"
    folder.mkdir()
    folder.chmod(0o777)
    cache = ParseCache(folder)
    reg = govrules.Registry.discover(cache=cache)
    assert reg.ids == registry.ids
    assert list(folder.iterdir()) == []
    assert cache.refused and "other users may write" in cache.refused


def test_a_cache_folder_of_another_user_is_not_used(tmp_path, registry, monkeypatch):
    folder = tmp_path / "govrules"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(folder).st_uid + 1)
    cache = ParseCache(folder)
    path = Path(registry.packs[0].origin)
    assert load_yaml_file(path, cache).data == load_yaml_file(path).data
    assert list(folder.iterdir()) == []
    assert cache.refused and "another user" in cache.refused


def test_a_fifo_cache_entry_does_not_hang(tmp_path, registry):
    cache = ParseCache(tmp_path / "govrules")
    path = Path(registry.get("datonghu_2023").origin)
    load_yaml_file(path, cache)
    entry = tmp_path / "govrules" / ParseCache._name(path.read_bytes())
    entry.unlink()
    os.mkfifo(entry)
    located = within_seconds(lambda: load_yaml_file(path, cache))
    assert located.data == load_yaml_file(path).data
    assert stat.S_ISREG(entry.lstat().st_mode)  # replaced by a real entry


@pytest.mark.parametrize(
    "value",
    [
        "text",
        ("x", 5),
        (b"", {}, {}),
        None,
        [1, 2, 3],
        "WRONG_SOURCE",
        "LINES_NOT_INTS",
        "LINES_NOT_A_DICT",
        "DATA_WITH_NAN",
    ],
)
def test_a_wrong_typed_entry_is_ignored_even_with_a_valid_tag(tmp_path, registry, value):
    cache = ParseCache(tmp_path / "govrules")
    path = Path(registry.get("datonghu_2023").origin)
    raw = path.read_bytes()
    plain = load_yaml_file(path, cache)
    source = hashlib.sha256(raw).digest()
    named = {
        "WRONG_SOURCE": (hashlib.sha256(b"other").digest(), plain.data, plain.lines),
        "LINES_NOT_INTS": (source, plain.data, {k: str(v) for k, v in plain.lines.items()}),
        "LINES_NOT_A_DICT": (source, plain.data, list(plain.lines.items())),
        "DATA_WITH_NAN": (source, {**plain.data, "x": Decimal("NaN")}, plain.lines),
    }
    value = named.get(value, value) if isinstance(value, str) else value
    entry = tmp_path / "govrules" / ParseCache._name(raw)
    entry.write_bytes(_valid_entry(tmp_path / "govrules", raw, value))
    again = ParseCache(tmp_path / "govrules").get(raw, str(path))
    assert again is None
    assert load_yaml_file(path, cache).data == plain.data


# ------------------------------------------------------------------- fuzzing

HOSTILE_SCALARS = [
    ".inf",
    "-.inf",
    ".nan",
    "!!float x",
    "!!float .inf",
    "!!int x",
    "!!bool maybe",
    "!!timestamp 2023-13-45",
    "2023-02-30",
    "2023-02-29",
    "9" * 5000,
    "9" * 29,
    "0.00000000000000000000000000000001",
    '"1e999999999"',
    '"-Infinity"',
    '"NaN"',
    "1:2:3:4:5:6:7:8:9",
    "1_0.5",
    "0x7fffffffffffffffffffffffffffffff",
    "[" * 70 + "]" * 70,
    "&a x",
    "*a",
    "&b [*b]",
    "!!binary AAAA",
    "!!binary ~~~",
    "!!python/object/apply:os.system [echo]",
    "!!set {a: null}",
    "!!omap [a: 1]",
    "!!str",
    "~",
    "[]",
    "{}",
    "{a: 1, a: 2}",
    "? [1]",
    '"\\x00\\x1b[2J\\u202e"',
    '"\\ud800"',
    '"../../../../etc/passwd"',
    '"/dev/zero"',
    '"/etc/shadow"',
    '"source.txt\\0"',
    '"."',
    '""',
    "x" * 20000,
    "- a\n- b",
    "|\n  block",
    "'unterminated",
    "true",
    "-1",
    "0",
    "100000000000000000000000000",
]

#: Scalar values of GOOD, where a hostile value may go: after ``key: `` up to , } or the end of the line.
_SLOTS = [m.span(1) for m in re.finditer(r"(?<=: )([^,{}\[\]\n]+)", GOOD)]


@st.composite
def hostile_packs(draw: st.DrawFn) -> str:
    text = GOOD
    chosen = draw(st.lists(st.sampled_from(range(len(_SLOTS))), min_size=1, max_size=4, unique=True))
    for slot in sorted(chosen, reverse=True):
        start, end = _SLOTS[slot]
        value = draw(
            st.one_of(
                st.sampled_from(HOSTILE_SCALARS),
                st.text(max_size=30).map(json.dumps),  # any text, quoted
                st.text(alphabet=st.characters(codec="utf-8"), max_size=12),  # anything, unquoted
                st.integers().map(str),
                st.decimals(allow_nan=True, allow_infinity=True).map(str),
            )
        )
        text = text[:start] + value + text[end:]
    return text


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz") / "p"
    write_pack(folder)
    return folder


@settings(max_examples=int(os.environ.get("FUZZ_N", 150)), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=hostile_packs())
def test_a_mutated_pack_loads_or_is_a_pack_error(fuzz_folder, text):
    path = fuzz_folder / "rubric.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        pack = load_pack(path)
    except govrules.PackError as exc:
        assert exc.problems
        assert all(p.where.startswith(str(path)) for p in exc.problems), exc
        str(exc)
        return
    try:
        pack.assess(GOOD_INPUT)
    except govrules.errors.GovrulesError:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_packs())
def test_mutated_pack_text_loads_or_is_a_pack_error(text):
    try:
        load_pack_text(text, "mini.yaml", DOC)
    except govrules.PackError as exc:
        assert exc.problems


# A tailored pack's own hostile values go through tailoring.merge before validation.

_CHILD_SLOTS = [m.span(1) for m in re.finditer(r"(?<=: )([^,{}\[\]\n]+)", tailoring_cases.CHILD)]
_CHILD_BLOCKS = ["readings", "facts", "indicators", "adjustments", "zeroing", "set", "targets", "not_applicable", "floor", "extends", "7"]
_STRUCTURES = [
    "[1, 2]",
    "{a: 1}",
    "[[1]]",
    "[{from: [1]}]",
    "[{from: org, children: 5}]",
    "[{from: org, children: [5, {from: {a: 1}}]}]",
    "[{id: [1], children: {a: 1}}]",
    '{"org#few": {amount: 1}, "org": {rules: 5}}',
    '{5: {a: 1}, "bonus#praised": [1]}',
    "[{from: bonus, rules: 5}]",
]


@st.composite
def hostile_children(draw: st.DrawFn) -> str:
    text = tailoring_cases.CHILD
    if draw(st.booleans()):
        key = draw(st.sampled_from(_CHILD_BLOCKS))
        value = draw(st.sampled_from(_STRUCTURES + HOSTILE_SCALARS[:30]))
        kept, skipping = [], False
        for line in text.splitlines():
            if line.startswith(key + ":"):
                skipping = True
                continue
            if skipping and line.startswith((" ", "-")):
                continue
            skipping = False
            kept.append(line)
        return "\n".join(kept) + f"\n{key}: {value}\n"
    for slot in sorted(draw(st.lists(st.sampled_from(range(len(_CHILD_SLOTS))), min_size=1, max_size=3, unique=True)), reverse=True):
        start, end = _CHILD_SLOTS[slot]
        value = draw(st.one_of(st.sampled_from(HOSTILE_SCALARS + _STRUCTURES), st.text(max_size=8).map(json.dumps)))
        text = text[:start] + value + text[end:]
    return text


@pytest.fixture(scope="module")
def tailoring_parent() -> govrules.Pack:
    return load_pack_text(tailoring_cases.PARENT, "ref.yaml", tailoring_cases.PARENT_DOC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=hostile_children())
def test_a_mutated_tailored_pack_loads_or_is_a_pack_error(tailoring_parent, text):
    try:
        load_pack_text(text, "district.yaml", tailoring_cases.CHILD_DOC, parents={"ref": tailoring_parent})
    except govrules.PackError as exc:
        assert exc.problems


# Cache entries: whatever sits at an entry's name, the pack loaded is the pack parsed.

_CACHE_ROOT = Path(tempfile.mkdtemp(prefix="govrules-hostile-cache-"))
_PACK = write_pack(_CACHE_ROOT / "pack")
_RAW = _PACK.read_bytes()
_PLAIN = load_yaml_file(_PACK)


def _entry_values() -> st.SearchStrategy[bytes]:
    plain_data = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.decimals(allow_nan=False, places=2),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
        max_leaves=20,
    )
    source = hashlib.sha256(_RAW).digest()
    changed_pack = st.sampled_from(["0.01", "0.2", "100"]).map(
        lambda amount: (source, load_yaml_file_text(GOOD.replace("amount: 0.1,", f"amount: {amount},")), _PLAIN.lines)
    )
    wrong = st.one_of(
        plain_data,
        st.tuples(plain_data, plain_data),
        st.tuples(st.just(source), plain_data, plain_data),
        changed_pack,
        st.tuples(st.just(source), st.just(_PLAIN.data), st.dictionaries(st.tuples(st.text(max_size=3)), st.text(max_size=3), max_size=3)),
    )
    pickled = wrong.map(lambda v: pickle.dumps(v))
    framed = st.tuples(st.binary(min_size=32, max_size=32), pickled).map(lambda t: yamlio._MAGIC + t[0] + t[1])
    return st.one_of(st.binary(max_size=200), pickled, framed, st.binary(max_size=50).map(lambda b: yamlio._MAGIC + b))


def load_yaml_file_text(text: str) -> Any:
    return yamlio.load_yaml_text(text, "x").data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blob=_entry_values(), signed=st.booleans())
def test_a_cache_entry_not_written_by_the_cache_is_never_trusted(blob, signed):
    folder = _CACHE_ROOT / "cache"
    cache = ParseCache(folder)
    load_yaml_file(_PACK, cache)  # the key and a good entry
    entry = folder / ParseCache._name(_RAW)
    if signed and blob.startswith(yamlio._MAGIC) and len(blob) > len(yamlio._MAGIC) + 32:
        # Even a correctly signed entry must be of the right shape (and for these bytes).
        payload = blob[len(yamlio._MAGIC) + 32 :]
        key = (folder / "key").read_bytes()
        blob = yamlio._MAGIC + ParseCache._tag(key, hashlib.sha256(_RAW).digest(), payload) + payload
        try:
            value = pickle.loads(payload)
        except Exception:
            value = None
        if yamlio._is_parse(value, hashlib.sha256(_RAW).digest()):
            return  # a well-formed entry signed with the key: only the cache itself can write that
    entry.write_bytes(blob)
    got = load_yaml_file(_PACK, ParseCache(folder))
    assert (got.data, got.lines) == (_PLAIN.data, _PLAIN.lines)
    assert load_pack(_PACK).content_hash == govrules.pack.build_pack(got, DOC, str(_PACK)).content_hash

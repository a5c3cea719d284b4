"""The parse cache: pack files read back already parsed, and never trusted blindly."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules.rubric import yamlio
from govrules.cli import main
from govrules.rubric.yamlio import ParseCache, load_yaml_file


def _pack_files(registry: govrules.Registry) -> list[Path]:
    return [Path(p.origin) for p in registry.packs]


def test_a_cached_parse_is_the_parse(registry, tmp_path, monkeypatch):
    cache = ParseCache(tmp_path)
    for path in _pack_files(registry):
        first = load_yaml_file(path, cache)
        plain = load_yaml_file(path)
        assert (first.data, first.lines, first.file) == (plain.data, plain.lines, plain.file)
    assert len(list(tmp_path.glob("*.pickle"))) == len(registry.packs)

    def no_parsing(text, file):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed again")

    parsed = {path: load_yaml_file(path).data for path in _pack_files(registry)}
    monkeypatch.setattr(yamlio, "load_yaml_text", no_parsing)
    for path in _pack_files(registry):
        again = load_yaml_file(path, cache)
        assert again.file == str(path) and again.data == parsed[path]
        # Each load gets its own objects: a caller may change what it got (tailoring does).
        assert again.data is not load_yaml_file(path, cache).data


def test_a_changed_file_is_parsed_again(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    pack = tmp_path / "p.yaml"
    pack.write_text("a: 1\nb: 0.1\n", encoding="utf-8")
    assert load_yaml_file(pack, cache).data == {"a": 1, "b": __import__("decimal").Decimal("0.1")}
    pack.write_text("a: 2\n", encoding="utf-8")
    assert load_yaml_file(pack, cache).data == {"a": 2}
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2


def test_a_broken_entry_is_ignored_and_written_again(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    pack = tmp_path / "p.yaml"
    pack.write_text("a: [1, 2]\n", encoding="utf-8")
    load_yaml_file(pack, cache)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:7])  # truncated
    assert load_yaml_file(pack, cache).data == {"a": [1, 2]}
    assert pickle.loads(entry.read_bytes())[0] == {"a": [1, 2]}


class _Payload:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.mkdir, (str(Path(os.environ["GOVRULES_TEST_MARKER"])),))


def test_an_entry_that_is_not_plain_data_is_refused(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    monkeypatch.setenv("GOVRULES_TEST_MARKER", str(marker))
    cache = ParseCache(tmp_path / "cache")
    pack = tmp_path / "p.yaml"
    pack.write_text("a: 1\n", encoding="utf-8")
    load_yaml_file(pack, cache)
    (entry,) = (tmp_path / "cache").glob("*.pickle")
    entry.write_bytes(pickle.dumps(({"a": _Payload()}, {})))
    assert load_yaml_file(pack, cache).data == {"a": 1}
    assert not marker.exists()


def test_no_usable_cache_directory_is_no_problem(tmp_path, registry):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    cache = ParseCache(blocked / "govrules")
    path = _pack_files(registry)[0]
    assert load_yaml_file(path, cache).data == load_yaml_file(path).data


def test_discovery_through_the_cache_gives_the_same_packs(registry, tmp_path):
    for _ in range(2):  # filling the cache, then reading from it
        cached = govrules.Registry.discover(cache=ParseCache(tmp_path))
        assert [(p.id, p.content_hash) for p in cached.packs] == [(p.id, p.content_hash) for p in registry.packs]
        assert not cached.broken


@pytest.mark.parametrize("setting,kept", [(None, True), ("off", False)])
def test_the_command_keeps_parses_unless_told_not_to(tmp_path, setting, kept):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    if setting is not None:
        env["GOVRULES_CACHE"] = setting
    result = CliRunner().invoke(main, ["packs"], env=env)
    assert result.exit_code == 0, result.output
    assert any((tmp_path / "govrules").glob("*.pickle")) == kept


def test_the_cache_keeps_its_newest_entries_only(tmp_path, monkeypatch):
    monkeypatch.setattr(ParseCache, "MAX_ENTRIES", 3)
    cache = ParseCache(tmp_path / "cache")
    pack = tmp_path / "p.yaml"
    for n in range(6):  # six edits of one file
        pack.write_text(f"a: {n}\n", encoding="utf-8")
        load_yaml_file(pack, cache)
        for i, entry in enumerate(sorted((tmp_path / "cache").glob("*.pickle"), key=lambda p: p.stat().st_mtime)):
            os.utime(entry, (1_000_000 + i, 1_000_000 + i))  # keep write order whatever the clock's resolution
    kept = sorted((tmp_path / "cache").glob("*.pickle"))
    assert len(kept) == 3
    assert sorted(pickle.loads(p.read_bytes())[0]["a"] for p in kept) == [3, 4, 5]

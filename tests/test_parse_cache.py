"""The parse cache: pack files read back already parsed, and never trusted blindly."""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import govrules
from govrules.rubric import yamlio
from govrules.cli import main
from govrules.rubric.yamlio import ParseCache, load_yaml_file


def _entry_data(entry: Path) -> object:
    """The data an entry holds (after its header line and HMAC tag)."""
    blob = entry.read_bytes()
    assert blob.startswith(yamlio._MAGIC)
    return pickle.loads(blob[len(yamlio._MAGIC) + yamlio._TAG :])[1]


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
    assert _entry_data(entry) == {"a": [1, 2]}


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
    raw = pack.read_bytes()
    for value in (({"a": _Payload()}, {}), (hashlib.sha256(raw).digest(), {"a": _Payload()}, {})):
        # Unsigned it is never unpickled; even signed with the cache's own key, the unpickler refuses it.
        entry.write_bytes(pickle.dumps(value))
        assert load_yaml_file(pack, cache).data == {"a": 1}
        entry.write_bytes(_signed(tmp_path / "cache", raw, pickle.dumps(value)))
        assert load_yaml_file(pack, cache).data == {"a": 1}
    assert not marker.exists()


def _signed(folder: Path, raw: bytes, payload: bytes) -> bytes:
    key = (folder / "key").read_bytes()
    return yamlio._MAGIC + ParseCache._tag(key, hashlib.sha256(raw).digest(), payload) + payload


def _one_pack(tmp_path: Path) -> tuple[Path, ParseCache, Path]:
    cache = ParseCache(tmp_path / "cache")
    pack = tmp_path / "p.yaml"
    pack.write_text("a: [1, 2]\nb: 0.1\n", encoding="utf-8")
    load_yaml_file(pack, cache)
    return pack, cache, tmp_path / "cache" / ParseCache._name(pack.read_bytes())


def test_the_folder_and_key_are_private(tmp_path):
    _one_pack(tmp_path)
    folder = tmp_path / "cache"
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    key = folder / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    for entry in folder.glob("*.pickle"):
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_an_entry_for_other_bytes_is_refused(tmp_path):
    pack, cache, entry = _one_pack(tmp_path)
    other = tmp_path / "q.yaml"
    other.write_text("a: [3]\n", encoding="utf-8")
    load_yaml_file(other, cache)
    # A valid entry of another file, put under this file's name.
    entry.write_bytes((tmp_path / "cache" / ParseCache._name(other.read_bytes())).read_bytes())
    assert load_yaml_file(pack, cache).data == {"a": [1, 2], "b": Decimal("0.1")}


def test_a_symlinked_entry_is_not_followed(tmp_path):
    pack, cache, entry = _one_pack(tmp_path)
    other = tmp_path / "q.yaml"
    other.write_text("a: [3]\n", encoding="utf-8")
    load_yaml_file(other, cache)
    entry.unlink()
    entry.symlink_to(tmp_path / "cache" / ParseCache._name(other.read_bytes()))
    assert load_yaml_file(pack, cache).data == {"a": [1, 2], "b": Decimal("0.1")}
    assert not entry.is_symlink()


def test_an_entry_owned_by_another_user_is_not_read(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a file away")
    pack, cache, entry = _one_pack(tmp_path)
    entry.write_bytes(_signed(tmp_path / "cache", pack.read_bytes(), pickle.dumps((hashlib.sha256(pack.read_bytes()).digest(), {"a": 0}, {}))))
    os.chown(entry, 12345, 12345)
    assert ParseCache(tmp_path / "cache").get(pack.read_bytes(), str(pack)) is None


def test_an_oversized_entry_is_not_read(tmp_path, monkeypatch):
    pack, cache, entry = _one_pack(tmp_path)
    monkeypatch.setattr(ParseCache, "MAX_ENTRY_BYTES", 16)
    assert ParseCache(tmp_path / "cache").get(pack.read_bytes(), str(pack)) is None


def test_a_key_others_can_read_is_replaced(tmp_path):
    pack, cache, entry = _one_pack(tmp_path)
    key = tmp_path / "cache" / "key"
    old = key.read_bytes()
    key.chmod(0o644)
    fresh = ParseCache(tmp_path / "cache")
    assert fresh.get(pack.read_bytes(), str(pack)) is None  # signed with a key that is no secret
    assert load_yaml_file(pack, fresh).data == {"a": [1, 2], "b": Decimal("0.1")}
    assert key.read_bytes() != old and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert ParseCache(tmp_path / "cache").get(pack.read_bytes(), str(pack)) is not None


def test_a_symlinked_cache_folder_is_not_used(tmp_path, registry):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    path = Path(registry.packs[0].origin)
    assert load_yaml_file(path, ParseCache(tmp_path / "link")).data == load_yaml_file(path).data
    assert list(real.iterdir()) == []


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
    assert sorted(_entry_data(p)["a"] for p in kept) == [3, 4, 5]  # type: ignore[index]

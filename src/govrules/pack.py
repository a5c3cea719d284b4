"""A loaded pack: validated spec, compiled targets, and the assessment entry point.

A :class:`Pack` is immutable once loaded. It compiles each target (and its
durable_rules ruleset) the first time that target is assessed and keeps it;
that cache is guarded by a lock, so one Pack can be shared by every thread of
a web server.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import __version__
from .compiled import TargetView, compile_target
from .errors import FactsError, PackError, Problem
from .findings import findings_of
from .inference import Evaluator
from .inference.durable import DurableEvaluator
from .inference.reference import ReferenceEvaluator
from .inputs import Assessment, parse_json, resolve_target, validate
from .model import PackSpec
from .numbers import ROUNDING
from .packcheck import check_pack
from .result import Result, Stamp
from .scoring import score
from .yamlio import Located, load_yaml_file, load_yaml_text

EVALUATORS = ("durable", "reference")


class Pack:
    """A rubric pack, ready to assess units against."""

    def __init__(self, spec: PackSpec, origin: str, content_hash: str, document: str | None = None):
        self.spec = spec
        self.origin = origin
        self.content_hash = content_hash
        self.document = document
        self._views: dict[str, TargetView] = {}
        self._durable: dict[str, DurableEvaluator] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------- identity

    @property
    def id(self) -> str:
        return self.spec.pack.id

    @property
    def version(self) -> str:
        return self.spec.pack.version

    @property
    def title(self) -> str:
        return self.spec.pack.title

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.spec.targets)

    def __repr__(self) -> str:
        return f"<Pack {self.id} {self.version} from {self.origin}>"

    # ----------------------------------------------------------- compilation

    def view(self, target: str) -> TargetView:
        """The compiled form of one target (compiled once, then shared)."""
        if target not in self.targets:
            names = ", ".join(f"{t.id} ({t.name})" for t in self.spec.targets)
            raise FactsError(f"unknown target {target!r} for pack {self.id}", [Problem("target", f"its targets are {names}")])
        view = self._views.get(target)
        if view is None:
            with self._lock:
                view = self._views.get(target)
                if view is None:
                    view = compile_target(self.spec, target)
                    self._views[target] = view
        return view

    def _evaluator(self, view: TargetView, name: str) -> Evaluator:
        if name == "reference":
            return ReferenceEvaluator()
        if name != "durable":
            raise ValueError(f"unknown evaluator {name!r}; use one of {', '.join(EVALUATORS)}")
        ev = self._durable.get(view.target.id)
        if ev is None:
            with self._lock:
                ev = self._durable.get(view.target.id)
                if ev is None:
                    ev = DurableEvaluator(view)
                    self._durable[view.target.id] = ev
        return ev

    # ------------------------------------------------------------ assessing

    def validate(self, data: Any, target: str | None = None) -> tuple[TargetView, Assessment]:
        """Check an assessment input; raise :class:`FactsError` listing every problem."""
        if isinstance(data, (str, bytes)):
            data = parse_json(data)
        target_id = resolve_target(self.spec, data, target)
        view = self.view(target_id)
        return view, validate(self.spec, view, data)

    def assess(self, data: Any, target: str | None = None, *, evaluator: str = "durable") -> Result:
        """Score one unit.

        ``data`` is the assessment input as a dict or JSON text (see
        :mod:`govrules.inputs`); ``target`` may be given here or in the input.
        ``evaluator`` is ``"durable"`` (durable_rules, the default) or
        ``"reference"`` (plain Python); both give the same result.
        """
        view, assessment = self.validate(data, target)
        ev = self._evaluator(view, evaluator)
        evaluation = ev.evaluate(view, assessment)
        findings = findings_of(view, assessment, evaluation, ev.name)
        return score(self.spec, findings, self.stamp(ev.name))

    def stamp(self, evaluator: str) -> Stamp:
        return Stamp(self.id, self.version, self.title, self.content_hash, __version__, evaluator, ROUNDING.describe())

    def facts_schema(self, target: str) -> dict[str, Any]:
        """JSON Schema of the ``facts`` object for one target (for building forms)."""
        view = self.view(target)
        schema = view.facts_model.model_json_schema()
        schema["title"] = f"{self.title}（{view.target.name}）事实"
        schema["$id"] = f"govrules:{self.id}:{target}:facts"
        schema["x-pack"] = {"id": self.id, "version": self.version, "content_hash": self.content_hash}
        return schema

    def close(self) -> None:
        """Release the durable_rules rulesets now instead of at garbage collection."""
        with self._lock:
            for ev in self._durable.values():
                ev.close()
            self._durable.clear()


def _hash(spec: PackSpec, document: str | None) -> str:
    canonical = json.dumps(spec.model_dump(mode="json", by_alias=True), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8"))
    if document is not None:
        digest.update(b"\0")
        digest.update(document.encode("utf-8"))
    return "sha256:" + digest.hexdigest()


def build_pack(located: Located, document: str | None = None, origin: str | None = None) -> Pack:
    """Validate parsed pack data and build a :class:`Pack`, or raise :class:`PackError` listing every problem."""
    data = located.data
    if not isinstance(data, dict):
        raise PackError(f"{located.file} is not a pack", [Problem(located.where(()), "a pack file is a mapping with pack:, targets:, indicators:")])
    try:
        spec = PackSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        errors = exc.errors(include_url=False)
        paths = [tuple(e["loc"]) for e in errors]
        for err in errors:
            loc = tuple(err["loc"])
            if err["type"] == "too_short" and any(p != loc and p[: len(loc)] == loc for p in paths):
                continue  # a list emptied by its own members' errors: those errors say it all
            path = tuple(p for p in loc if not (isinstance(p, str) and p in _RULE_KINDS))
            message = err["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            if err["type"] == "extra_forbidden":
                message = f"unknown field {path[-1]!r}"
            problems.append(Problem(located.where(path), message))
        raise PackError(f"{located.file}: {len(problems)} problem(s) in the pack", problems) from None
    problems = check_pack(spec, located, document)
    if problems:
        raise PackError(f"{located.file}: {len(problems)} problem(s) in the pack", problems)
    return Pack(spec, origin or located.file, _hash(spec, document), document)


_RULE_KINDS = frozenset({"per_occurrence", "per_missing", "shortfall", "fixed", "all_or_nothing", "discretionary", "tiered"})


def load_pack(path: str | Path) -> Pack:
    """Load a pack from a file (``rubric.yaml``) or a pack directory containing one.

    If the pack names a ``source_text`` file beside it (the source document as
    text), every quote in the pack is checked against it.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "rubric.yaml"
    located = load_yaml_file(path)
    document = _document(located, path.parent)
    return build_pack(located, document, str(path))


def load_pack_text(text: str, name: str = "<pack>", document: str | None = None) -> Pack:
    """Load a pack from YAML text (for tests and tools)."""
    return build_pack(load_yaml_text(text, name), document, name)


def _document(located: Located, folder: Path) -> str | None:
    data = located.data
    meta = data.get("pack") if isinstance(data, dict) else None
    name = meta.get("source_text") if isinstance(meta, dict) else None
    if not name:
        return None
    doc = folder / str(name)
    try:
        return doc.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(
            f"{located.file}: cannot read the source text",
            [Problem(located.where(("pack", "source_text")), f"{doc}: {exc.strerror or exc}")],
        ) from None

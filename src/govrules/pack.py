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
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from pydantic import ValidationError

from . import __version__
from .errors import FactsError, PackError, Problem
from .messages import type_name
from .kinds.vocabulary import Kinds
from .rubric.model import PackSpec, hash_data
from .numbers import ROUNDING, exact
from .rubric.checks import check_pack, facts_read, with_row_totals
from .rubric.salvage import consequence, salvage, shape_problems
from .rubric.tailoring import drop_entries, merge
from .rubric.yamlio import Located, ParseCache, load_yaml_file, load_yaml_text, read_regular_file

# What assessing needs (compiling, validation, inference, scoring, results) is
# imported where it is first used, not here: commands that only load packs
# (govrules packs, pack lint) then start without it. Once imported, a module
# stays in sys.modules, so the imports below cost next to nothing per call.
if TYPE_CHECKING:
    from .engine.compiled import TargetView
    from .engine.inference import Evaluator
    from .engine.inference.durable import DurableEvaluator
    from .engine.inputs import Assessment
    from .engine.result import Result, Stamp

EVALUATORS = ("durable", "reference")

#: The steps of assessing, imported on first use (see above) and then kept
#: here: a function-local import statement costs about 0.6 µs on every call,
#: even once its module is loaded, and assess() would make three.
_steps: Any = None


def _assessing() -> Any:
    global _steps
    if _steps is None:
        from .engine import findings, inputs, scoring

        _steps = (inputs.parse_json, inputs.resolve_target, inputs.validate, inputs.canonical_target, findings.findings_of, scoring.score_in_context)
    return _steps


class Pack:
    """A rubric pack, ready to assess units against."""

    def __init__(
        self,
        spec: PackSpec,
        origin: str,
        content_hash: str,
        documents: dict[str, str] | None = None,
        located: Located | None = None,
        kinds: Kinds | None = None,
    ):
        self.spec = spec
        #: The rule kinds the pack was loaded with (a tailoring of it is loaded with the same).
        self.kinds = kinds if kinds is not None else Kinds.builtin()
        self.origin = origin
        self.content_hash = content_hash
        #: Source documents by pack file: this pack's, and its parents' for a tailored pack.
        self.documents = dict(documents or {})
        #: The raw data with lines, kept so that a tailored pack can be resolved against it.
        self.located = located
        self._views: dict[str, TargetView] = {}
        self._durable: dict[str, DurableEvaluator] = {}
        self._stamps: dict[str, Stamp] = {}  # by evaluator; a Stamp is frozen, so results share it
        # Target ids an input may give as they are: resolve_target would give each back unchanged.
        self._plain_targets: frozenset[str] | None = None
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

    @property
    def document(self) -> str | None:
        """This pack's own source document (its ``source_text``), if it has one."""
        return self.documents.get(self.origin)

    @property
    def extends(self) -> str | None:
        return self.spec.extends

    def __repr__(self) -> str:
        return f"<Pack {self.id} {self.version} from {self.origin}>"

    # ----------------------------------------------------------- compilation

    def view(self, target: str) -> TargetView:
        """The compiled form of one target (compiled once, then shared)."""
        if target not in self.targets:
            from .engine.inputs import target_names

            shown_target = repr(target) if isinstance(target, str) and len(target) <= 100 else type_name(target)
            raise FactsError.coded(
                "pack.unknown_target_summary",
                [Problem.coded("target", "pack.its_targets", names=target_names(self.spec.targets))],
                pack=self.id,
                value=shown_target,
            )
        view = self._views.get(target)
        if view is None:
            with self._lock:
                view = self._views.get(target)
                if view is None:
                    from .engine.compiled import compile_target

                    view = compile_target(self.spec, target)
                    self._views[target] = view
        return view

    def _evaluator(self, view: TargetView, name: str) -> Evaluator:
        if name == "reference":
            from .engine.inference.reference import ReferenceEvaluator

            return ReferenceEvaluator()
        if name != "durable":
            shown = repr(name) if isinstance(name, str) and len(name) <= 100 else type_name(name)
            raise FactsError.coded("pack.unknown_evaluator_summary", [Problem.coded("evaluator", "pack.use_evaluator", names="、".join(EVALUATORS))], value=shown)
        ev = self._durable.get(view.target.id)
        if ev is None:
            with self._lock:
                ev = self._durable.get(view.target.id)
                if ev is None:
                    from .engine.inference.durable import DurableEvaluator

                    ev = DurableEvaluator(view)
                    self._durable[view.target.id] = ev
        return ev

    # ------------------------------------------------------------ assessing

    @exact
    def validate(self, data: Any, target: str | None = None) -> tuple[TargetView, Assessment]:
        """Check an assessment input; raise :class:`FactsError` listing every problem."""
        return self._validate(data, target)

    def _validate(self, data: Any, target: str | None) -> tuple[TargetView, Assessment]:
        # validate() without entering govrules' decimal context, for callers already in it.
        parse_json, resolve_target, validate, canonical_target, _, _ = _steps or _assessing()
        if isinstance(data, (str, bytes)):
            data = parse_json(data)
        plain = self._plain_targets
        if plain is None:
            plain = self._plain_targets = frozenset(t.id for t in self.spec.targets if canonical_target(self.spec, t.id) == t.id)
        chosen = None
        if type(data) is dict:
            given = data.get("target")
            # The usual input names its target by its id, and no argument names another (or the
            # argument names it, and the input no other): that is the target.
            chosen = given if target is None else target if given is None or given == target else None
        elif not isinstance(data, dict):
            # Said before the target is looked for: a list or a number names none, and "which target?" would mislead.
            raise FactsError.coded("input.not_an_object_summary", [Problem.coded("", "input.got", kind=type_name(data))])
        target_id = chosen if type(chosen) is str and chosen in plain else resolve_target(self.spec, data, target)
        view = self._views.get(target_id)  # resolve_target gave one of the pack's targets: view()'s check again is not needed
        if view is None:
            view = self.view(target_id)
        return view, validate(self.spec, view, data)

    @exact
    def assess(self, data: Any, target: str | None = None, *, evaluator: str = "durable", model: str | None = None) -> Result:
        """Score one unit.

        ``data`` is the assessment input as a dict or JSON text (see
        :mod:`govrules.engine.inputs`); ``target`` may be given here or in the input.
        ``evaluator`` is ``"durable"`` (durable_rules, the default) or
        ``"reference"`` (plain Python); both give the same result. ``model``
        names a scoring model (see :mod:`govrules.engine.models`) for documents that
        assign no points; the result then carries its score and says which. An
        unknown model or evaluator raises :class:`FactsError` naming the known ones.
        """
        findings_of, score = (_steps or _assessing())[4:]
        if model is not None:
            from .engine.models import check_model

            check_model(model)  # before the work: an unknown model is the caller's mistake, like an unknown target
        # Already in govrules' decimal context (@exact): the steps below do not enter it again.
        view, assessment = self._validate(data, target)
        ev = self._evaluator(view, evaluator)
        stamp = self.stamp(ev.name)
        combined = None
        if assessment.ratings:  # rows several raters score: each rater's facts scored alone, then combined
            from .engine.ratings import rate

            def score_alone(a: Assessment) -> Result:
                return score(self.spec, findings_of(view, a, ev.evaluate(view, a), ev.name), stamp)

            combined = rate(view, assessment, score_alone)
        evaluation = ev.evaluate(view, assessment)
        findings = findings_of(view, assessment, evaluation, ev.name)
        result = score(self.spec, findings, stamp, combined)
        if model is not None:
            from .engine.models import apply_model

            result = apply_model(result, model)
        if view.grading is not None:
            from .engine.grading import grade

            result = grade(result, view)
        return result

    @exact
    def merge(self, inputs: Sequence[Any], names: Sequence[str] | None = None, target: str | None = None) -> dict[str, Any]:
        """One assessment input from partial assessments of one unit, or :class:`FactsError` listing every problem.

        Each part is an assessment input (dict or JSON text) plus ``assessor``:
        the department or rater who sends it. Facts come from the department
        that assesses the rows reading them; a row several raters score gets
        one rating per part; conflicting values are reported, never settled.
        ``names`` label the parts in problems and in the result's ``sources``.
        See :mod:`govrules.engine.merge`.
        """
        from .engine.merge import merge

        return merge(self, inputs, names, target)

    def assess_merged(
        self, inputs: Sequence[Any], names: Sequence[str] | None = None, target: str | None = None, *, evaluator: str = "durable", model: str | None = None
    ) -> Result:
        """Score one unit from its partial assessments: :meth:`merge`, then :meth:`assess`."""
        return self.assess(self.merge(inputs, names, target), evaluator=evaluator, model=model)

    @exact
    def assess_cohort(
        self, inputs: Sequence[Any], target: str | None = None, *, evaluator: str = "durable", model: str | None = None
    ) -> list[Result]:
        """Score the units of one target together; the results in input order.

        Each input is what :meth:`assess` takes. Rows whose rules are scored
        against the cohort (排名赋分, 按第1名的比例得分, 以平均值为基准……) get
        their points from every unit's figures, and each such row's result
        names the figures it was scored against; every other row scores as
        in :meth:`assess`. Raises :class:`FactsError` naming each offending
        input by index and unit: an empty cohort, an input that does not
        validate, a unit twice or without a name, inputs of several targets
        or for another pack.
        """
        from .engine.cohort import check_cohort, score_cohort
        from .engine.findings import findings_of
        from .engine.scoring import score

        if model is not None:
            from .engine.models import check_model

            check_model(model)
        inputs = list(inputs)
        if not inputs:
            check_cohort([])
        validated = []
        problems: list[Problem] = []
        identities = []
        for index, data in enumerate(inputs):
            try:
                view, assessment = self.validate(data, target)
            except FactsError as exc:
                unit = data.get("unit") if isinstance(data, dict) else None
                where = f"inputs[{index}]" + (f" ({unit})" if isinstance(unit, str) else "")
                problems.extend(Problem(f"{where}.{p.where}", p.message) for p in exc.problems)
                continue
            validated.append((view, assessment))
            identities.append((self.id, assessment.unit, view.target.id))
        if problems:
            raise FactsError(f"{len(problems)} problem(s) in the cohort's inputs", problems)
        check_cohort(identities)
        view = validated[0][0]
        ev = self._evaluator(view, evaluator)
        stamp = self.stamp(ev.name)
        findings = [findings_of(view, a, ev.evaluate(view, a), ev.name) for _, a in validated]
        results = score_cohort(view, findings, lambda f: score(self.spec, f, stamp))
        if model is not None:
            from .engine.models import apply_model

            results = [apply_model(r, model) for r in results]
        if view.grading is not None:  # the same stages after scoring as assess()
            from .engine.grading import grade

            results = [grade(r, view) for r in results]
        return results

    @property
    def has_cohort_rules(self) -> bool:
        """Whether some row of the pack is scored against the cohort (see :meth:`assess_cohort`)."""
        return any(rule.rule_kind.cohort for rule in _all_rules(self.spec))

    def stamp(self, evaluator: str) -> Stamp:
        stamp = self._stamps.get(evaluator)
        if stamp is None:
            from .engine.result import Stamp

            stamp = self._stamps[evaluator] = Stamp(self.id, self.version, self.title, self.content_hash, __version__, evaluator, ROUNDING.describe())
        return stamp

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


def _all_rules(spec: PackSpec) -> list[Any]:
    out: list[Any] = []
    stack = list(spec.indicators)
    while stack:
        ind = stack.pop()
        out.extend(ind.rules)
        stack.extend(ind.children)
    return out


def _hash(spec: PackSpec, documents: dict[str, str]) -> str:
    canonical = json.dumps(hash_data(spec), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8"))
    for document in sorted(documents.values()):
        digest.update(b"\0")
        digest.update(document.encode("utf-8"))
    return "sha256:" + digest.hexdigest()


@exact
def build_pack(
    located: Located,
    document: str | None = None,
    origin: str | None = None,
    parents: Mapping[str, Pack] | None = None,
    kinds: Kinds | None = None,
) -> Pack:
    """Validate parsed pack data and build a :class:`Pack`, or raise :class:`PackError` listing every problem.

    A tailored pack (``extends: <id>``) is resolved against its parent, taken
    from ``parents`` (a mapping of id to Pack, e.g. a :class:`~govrules.Registry`),
    else from the installed packs (``Registry.discover()``).
    ``kinds`` are the rule kinds its rules may use (:func:`default_kinds` if not given).
    """
    kinds = default_kinds(parents) if kinds is None else kinds
    data = located.data
    if not isinstance(data, dict):
        raise PackError(f"{located.file} is not a pack", [Problem(located.where(()), "a pack file is a mapping with pack:, targets:, indicators:")])
    origin = origin or located.file
    documents = {origin: document} if document is not None else {}
    raw = located
    parent_id = data.get("extends")
    tailoring: list[Problem] = []
    if parent_id is not None:
        parent = _parent(located, parent_id, parents)
        if parent.located is None:
            raise PackError(f"{located.file}: cannot tailor {parent_id!r}", [Problem(located.where(("extends",)), "the parent was not loaded from a file")])
        located, tailoring = merge(located, parent.located)
        located.data["extends"] = parent_id
        documents = {**parent.documents, **documents}
    try:
        spec = kinds.spec_model.model_validate(located.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        shape = shape_problems(errors, located, kinds.spec_model, kinds)
        # Every problem at once: check what did parse, so a misquote or a bad sum elsewhere is not
        # left for the next run.
        parsed = salvage(located, errors, kinds.spec_model.model_validate)
        if parsed is None:
            raise PackError(f"{raw.file}: {len(shape) + len(tailoring)} problem(s) in the pack", tailoring + shape) from None
        spec, repaired, dropped = parsed
        semantic = [p for p in check_pack(with_row_totals(spec), repaired, documents) if not consequence(p, located, dropped)]
        problems = sorted(tailoring + shape + semantic, key=lambda p: (p.file or "", p.line or 0))
        raise PackError(f"{raw.file}: {len(problems)} problem(s) in the pack", problems) from None
    if parent_id is not None:
        # Facts first: a reading attached only to a dropped fact is then orphaned too.
        unread = _unread_facts(spec, parent, raw)
        if unread:
            located = drop_entries(located, "facts", "name", unread)
            spec = kinds.spec_model.model_validate(located.data)
        orphaned = _orphaned_readings(spec, parent, raw)
        if orphaned:
            located = drop_entries(located, "readings", "id", orphaned)
            spec = kinds.spec_model.model_validate(located.data)
    spec = with_row_totals(spec)
    problems = tailoring + check_pack(spec, located, documents)
    if problems:
        raise PackError(f"{raw.file}: {len(problems)} problem(s) in the pack", problems)
    return Pack(spec, origin, _hash(spec, documents), documents, located, kinds)


def _orphaned_readings(spec: PackSpec, parent: Pack, child: Located) -> set[str]:
    """The parent's readings about rows, targets or rules the child no longer has.

    Left in, a reading attached to something the child dropped would look
    unreferenced, that is, pack-wide, and appear in every child result.
    """
    own = {r.get("id") for r in (child.data.get("readings") or []) if isinstance(r, dict)}
    attached_in_parent = parent.spec.referenced_readings()
    still = spec.referenced_readings()
    return {r.id for r in spec.readings if r.id not in own and r.id not in still and r.id in attached_in_parent}


def _unread_facts(spec: PackSpec, parent: Pack, child: Located) -> set[str]:
    """The parent's facts that no rule of the child reads any more (the rows reading them were dropped).

    Left in, they would be declared facts nothing reads: in no target's facts,
    yet in the child's list, and a lint warning each. The child's own facts
    stay, read or not (lint says so).
    """
    own = {f.get("name") for f in (child.data.get("facts") or []) if isinstance(f, dict)}
    inherited = {f.name for f in parent.spec.facts}
    read = facts_read(spec)
    return {f.name for f in spec.facts if f.name in inherited and f.name not in own and f.name not in read}


def _parent(located: Located, parent_id: object, parents: Mapping[str, Pack] | None) -> Pack:
    where = located.where(("extends",))
    if not isinstance(parent_id, str):
        raise PackError(f"{located.file}: extends names a pack by its id", [Problem(where, f"got {parent_id!r}")])
    if parents is None:
        # As the command line does: a pack under development extends an installed one.
        from .registry import Registry

        parents = Registry.discover()
    if parent_id not in parents:
        known = ", ".join(sorted(getattr(parents, "ids", None) or parents or ())) or "none given"
        raise PackError(f"{located.file}: the pack it extends is not available", [Problem(where, f"no pack {parent_id!r} (available: {known})")])
    return parents[parent_id]


def default_kinds(parents: object = None) -> Kinds:
    """The rule kinds a pack is loaded with when none are given: its parents' (a registry's), else every installed plugin's."""
    kinds = getattr(parents, "kinds", None)
    if isinstance(kinds, Kinds):
        return kinds
    return Kinds.installed()


def read_pack_file(path: str | Path, cache: ParseCache | None = None) -> tuple[Located, str | None, str]:
    """Read a pack file (or the ``rubric.yaml`` of a pack directory): its data, source text and origin.

    ``cache`` keeps parsed files between runs (see :class:`~govrules.rubric.yamlio.ParseCache`).
    """
    path = Path(path)
    if path.is_dir():
        # A pack's directory, or the project directory of an installable pack (src/<module>/rubric.yaml).
        found = [path / "rubric.yaml"] if (path / "rubric.yaml").is_file() else sorted(path.glob("src/*/rubric.yaml"))
        path = found[0] if len(found) == 1 else path / "rubric.yaml"
    located = load_yaml_file(path, cache)
    return located, _document(located, path.parent), str(path)


def load_pack(path: str | Path, parents: Mapping[str, Pack] | None = None, kinds: Kinds | None = None) -> Pack:
    """Load a pack from a file (``rubric.yaml``) or a pack directory containing one.

    If the pack names a ``source_text`` file beside it (the source document as
    text), every quote in the pack is checked against it. A tailored pack
    finds the pack it extends in ``parents`` (a mapping of id to Pack, e.g. a
    registry), else among the installed packs, as the command line does.
    ``kinds``: the rule kinds its rules may use; by default those of
    ``parents`` if it is a registry, else govrules' own and every installed
    plugin's.
    """
    located, document, origin = read_pack_file(path)
    return build_pack(located, document, origin, parents, kinds)


def load_pack_text(
    text: str, name: str = "<pack>", document: str | None = None, parents: Mapping[str, Pack] | None = None, kinds: Kinds | None = None
) -> Pack:
    """Load a pack from YAML text (for tests and tools); ``kinds`` as for :func:`load_pack`."""
    return build_pack(load_yaml_text(text, name), document, name, parents, kinds)


#: Largest source text read (the shipped ones are 6–24 KB).
MAX_SOURCE_BYTES = 4 * 1024 * 1024


def _document(located: Located, folder: Path) -> str | None:
    """The pack's ``source_text``: a regular file inside the pack's own folder, as text.

    The name comes from the pack file, which may come from anywhere: it may
    not leave the folder (``../``, an absolute path, or a symbolic link
    pointing out of it), and only a regular file of at most
    :data:`MAX_SOURCE_BYTES` is read, so a pack cannot make govrules read
    ``/etc/shadow`` (and reveal it through the quote check), ``/dev/zero``
    or a FIFO.
    """
    data = located.data
    meta = data.get("pack") if isinstance(data, dict) else None
    name = meta.get("source_text") if isinstance(meta, dict) else None
    if not name or not isinstance(name, str):
        return None  # not a name: validation says so
    where = located.where(("pack", "source_text"))

    def refuse(message: str) -> PackError:
        return PackError(f"{located.file}: cannot read the source text", [Problem(where, message)])

    try:
        base = folder.resolve()
        doc = (base / name).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL in the name, a symlink loop
        raise refuse(f"{name!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if doc == base or not doc.is_relative_to(base):
        raise refuse(f"{name!r} is not inside the pack's folder; source_text names a file beside the pack file")
    try:
        raw = read_regular_file(doc, MAX_SOURCE_BYTES)
    except OSError as exc:
        raise refuse(f"{name}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise refuse(f"{name!r}: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"{name} is not UTF-8 text: {exc}") from None
    # Universal newlines, as reading the file as text would give.
    return text.replace("\r\n", "\n").replace("\r", "\n")

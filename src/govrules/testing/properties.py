"""The conformance properties, and running them on a pack without pytest.

Each :class:`Property` turns (pack, target) into a zero-argument hypothesis
test. :func:`run_property` runs one; :func:`run_conformance` runs them all for
every target of a pack and reports every failure, each with the shrunk input
in pack terms (JSON, fact labels, items and the document's words), which is
also attached to the exception as a note (``hypothesis.note``).
"""

from __future__ import annotations

import random
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

import attrs
from hypothesis import HealthCheck, example, given, note, settings as Settings
from hypothesis import strategies as st

from ..errors import GovrulesError
from ..pack import Pack, load_pack
from ..registry import Registry
from . import invariants as inv
from .describe import describe_input
from .invalid import invalid_assessments
from .isolation import can_fork
from .strategies import assessments, can_give, edge_assessments, respell_numbers, shuffle_input
from .violations import total_directions, violation_directions, violations


class _Explain:
    """Context manager: on failure, note the inputs in pack terms, then let the error through."""

    def __init__(self, pack: Pack, target: str, *inputs: tuple[str, Any], extra: str | None = None):
        self.pack, self.target, self.inputs, self.extra = pack, target, inputs, extra

    def __enter__(self) -> "_Explain":
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if exc is not None and not isinstance(exc, (KeyboardInterrupt, SystemExit)):
            try:
                if self.extra:
                    note(self.extra)
                for title, data in self.inputs:
                    note(describe_input(self.pack, self.target, data, title))
            except Exception:  # noqa: BLE001 — never hide the real failure behind a reporting bug
                pass
        return False


def _mixed(pack: Pack, target: str, **kw: Any) -> st.SearchStrategy[tuple[bool, dict[str, Any]]]:
    """(complete, input): complete and partial inputs, about half each."""
    return st.one_of(
        st.tuples(st.just(True), assessments(pack, target, complete=True, **kw)),
        st.tuples(st.just(False), assessments(pack, target, complete=False, **kw)),
    )


def completable(pack: Pack, target: str) -> bool:
    """Whether every fact of the target can take a valid value (else no input can be complete)."""
    view = pack.view(target)
    return all(can_give(view, f) for f in view.facts if f.type != "discretionary" and f.default is None)


# ----------------------------------------------------------------------------- properties


def _with_edges(test: Callable[..., None], pack: Pack, target: str, wrap: Callable[[dict[str, Any]], tuple[Any, ...]], small_numbers: bool | None = None) -> Callable[..., None]:
    """Add the pack's edge inputs (see :func:`edge_assessments`) as explicit examples."""
    for data in reversed(edge_assessments(pack, target, small_numbers=small_numbers)):
        test = example(*wrap(data))(test)
    return test


def _results(pack: Pack, target: str) -> Callable[..., None]:
    can_complete = completable(pack, target)

    @given(_mixed(pack, target))
    def results_are_consistent(case: tuple[bool, dict[str, Any]]) -> None:
        complete, data = case
        with _Explain(pack, target, ("input", data)):
            durable, reference = inv.check_evaluators_agree(pack, data)
            for result in (durable, reference):
                inv.check_input_result(pack, data, result)
            if complete and can_complete:
                inv.check_complete(pack, result)

    return _with_edges(results_are_consistent, pack, target, lambda d: ((True, d),))


def _invalid(pack: Pack, target: str) -> Callable[..., None]:
    @given(invalid_assessments(pack, target))
    def invalid_inputs_raise_facts_error(case: Any) -> None:
        with _Explain(pack, target, ("invalid input", case.data), extra=f"mistake: {case.why}"):
            inv.check_rejected(pack, case.data)

    return invalid_inputs_raise_facts_error


def _stable(pack: Pack, target: str) -> Callable[..., None]:
    @given(assessments(pack, target, complete=False), st.integers(0, 2**32 - 1))
    def same_input_same_bytes(data: dict[str, Any], seed: int) -> None:
        rnd = random.Random(seed)
        reordered = shuffle_input(respell_numbers(pack.view(target), data, rnd), rnd)
        with _Explain(pack, target, ("input", data)):
            inv.check_stable(pack, data, reordered)

    return _with_edges(same_input_same_bytes, pack, target, lambda d: (d, 0))


def _monotone(pack: Pack, target: str) -> Callable[..., None]:
    @given(st.data())
    def violations_never_raise_scores(data: st.DataObject) -> None:
        _, base = data.draw(_mixed(pack, target), label="input")
        for_total = data.draw(st.booleans(), label="check the total too")
        worse = data.draw(violations(pack, target, base, for_total=for_total), label="violation")
        if worse is None:
            return
        extra = f"violation: {worse.fact} moved {worse.direction}: {worse.before!r} → {worse.after!r}"
        with _Explain(pack, target, ("input", base), ("worse input", worse.data), extra=extra):
            inv.check_monotone(pack, base, worse.data, total=for_total, fact=worse.fact)

    return violations_never_raise_scores


def _survives(pack: Pack, target: str) -> Callable[..., None]:
    @given(_mixed(pack, target, small_numbers=True))
    def engine_survives_every_input(case: tuple[bool, dict[str, Any]]) -> None:
        _, data = case
        with _Explain(pack, target, ("input", data)):
            inv.check_survives(pack, data)

    return _with_edges(engine_survives_every_input, pack, target, lambda d: ((True, d),), small_numbers=True)


def _cohort(pack: Pack, target: str) -> Callable[..., None]:
    from . import cohort as co

    @given(co.cohorts(pack, target), st.randoms(use_true_random=False))
    def cohorts_are_consistent(inputs: list[dict[str, Any]], rnd: random.Random) -> None:
        order = list(range(len(inputs)))
        rnd.shuffle(order)
        with _Explain(pack, target, *((f"cohort input {n}", d) for n, d in enumerate(inputs))):
            results = co.check_cohort_evaluators_agree(pack, inputs)
            co.check_cohort_results(pack, inputs, results)
            co.check_cohort_permutation(pack, inputs, order)
            co.check_worse_unit(pack, target, inputs)

    return cohorts_are_consistent


def _has_cohort_rules(pack: Pack, target: str) -> bool:
    return bool(pack.view(target).cohort_rules)


def _has_monotone_facts(pack: Pack, target: str) -> bool:
    view = pack.view(target)
    return bool(violation_directions(view) or total_directions(view))


@attrs.frozen
class Property:
    """One conformance property: a name, what it checks, and how to build its test for (pack, target)."""

    name: str
    doc: str
    build: Callable[[Pack, str], Callable[..., None]] | None = None  # None: a static check, no examples
    static: Callable[[Pack, str], None] | None = None
    applies: Callable[[Pack, str], bool] = lambda pack, target: True
    skipped: str = "no fact of this target can be moved one way only"  # why it is skipped where it does not apply

    def applies_to(self, pack: Pack, target: str) -> bool:
        """Whether the property has anything to check on this target (True when that cannot be told: let it run and fail)."""
        try:
            return self.applies(pack, target)
        except Exception:  # noqa: BLE001 — e.g. the target does not compile; running the property reports it
            return True


PROPERTIES: dict[str, Property] = {
    p.name: p
    for p in (
        Property("totals", "stated totals and section points equal the sums of their items (compiled view)", static=inv.check_view),
        Property(
            "results",
            "both evaluators agree; item, section, base, ledger and total arithmetic; traceability; firing as written; statuses",
            _results,
        ),
        Property("invalid", "invalid inputs raise FactsError and nothing else", _invalid),
        Property("stable", "the same input twice, in another order, or as JSON text gives byte-identical JSON", _stable),
        Property("survives", "the durable evaluator never crashes the process (each input run in a forked child)", _survives, applies=lambda pack, target: can_fork()),
        Property("monotone", "adding a violation never raises an item score, the base, or (where it can) the total", _monotone, applies=_has_monotone_facts),
        Property(
            "cohort",
            "rows scored against the cohort: input order, bounds, figures named, each kind's check; permuting the cohort changes nothing; a worse unit pushes nobody up",
            _cohort,
            applies=_has_cohort_rules,
            skipped="no row of this target is scored against the cohort",
        ),
    )
}


# ----------------------------------------------------------------------------- running


def resolve_pack(ref: Pack | str | Path, registry: Registry | None = None) -> Pack:
    """A pack given as a Pack, an installed pack id, or a path to a pack file or directory."""
    if isinstance(ref, Pack):
        return ref
    path = Path(ref)
    if path.exists():
        return load_pack(path)
    return (registry or Registry.discover()).get(str(ref))


def _settings(base: Settings | None, **overrides: Any) -> Settings:
    parent = base if base is not None else Settings.default
    suppress = list(dict.fromkeys(list(parent.suppress_health_check) + [HealthCheck.too_slow, HealthCheck.data_too_large]))
    return Settings(parent=parent, deadline=None, suppress_health_check=suppress, **overrides)


def conformance_test(pack: Pack, target: str, name: str, *, settings: Settings | None = None) -> Callable[[], None]:
    """A zero-argument callable running one property on one target (raises on failure)."""
    prop = PROPERTIES[name]
    try:
        pack.view(target)  # compile outside the timed examples
    except GovrulesError:
        raise
    except Exception as exc:  # noqa: BLE001 — a loaded pack must compile every target
        raise inv.InvariantError(
            f"pack {pack.id} loaded, but its target {target!r} does not compile: {type(exc).__name__}: {exc}"
        ) from exc
    if prop.static is not None:
        static = prop.static

        def run_static() -> None:
            static(pack, target)

        return run_static
    test = prop.build(pack, target)  # type: ignore[misc]
    test = _settings(settings)(test)
    try:  # one database entry per (pack content, target, property), not per source line
        test._hypothesis_internal_database_key = f"govrules:{pack.id}:{pack.content_hash}:{target}:{name}".encode()  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover
        pass
    return test


def run_property(pack: Pack, target: str, name: str, *, settings: Settings | None = None) -> None:
    """Run one property on one target; raise its (shrunk, explained) failure."""
    conformance_test(pack, target, name, settings=settings)()


@attrs.frozen
class Outcome:
    target: str
    property: str
    status: str  # "passed", "failed", "skipped"
    message: str = ""


@attrs.frozen
class ConformanceReport:
    pack_id: str
    outcomes: tuple[Outcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.status != "failed" for o in self.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    def __str__(self) -> str:
        counts = {s: sum(o.status == s for o in self.outcomes) for s in ("passed", "failed", "skipped")}
        lines = [f"conformance of {self.pack_id}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"]
        for o in self.failures:
            lines.append(f"\n=== {self.pack_id} / {o.target} / {o.property} ===\n{o.message}")
        return "\n".join(lines)


class ConformanceFailure(AssertionError):
    def __init__(self, report: ConformanceReport):
        self.report = report
        super().__init__(str(report))


def format_failure(exc: BaseException) -> str:
    """An exception with its notes (the shrunk example in pack terms); groups unfolded."""
    if isinstance(exc, BaseExceptionGroup):
        return "\n\n".join(format_failure(e) for e in exc.exceptions)
    return "".join(traceback.format_exception_only(exc)).rstrip()


def run_conformance(
    pack: Pack | str | Path,
    *,
    targets: Iterable[str] | None = None,
    properties: Iterable[str] | None = None,
    max_examples: int = 100,
    database: Any = None,
    raise_on_failure: bool = True,
    settings: Settings | None = None,
) -> ConformanceReport:
    """Run the conformance properties on every target (or ``targets``) of a pack.

    ``pack`` is a :class:`~govrules.Pack`, an installed pack id or a path.
    Returns a :class:`ConformanceReport`; with ``raise_on_failure`` (the
    default) raises :class:`ConformanceFailure` carrying it when any property
    fails. ``database=None`` keeps hypothesis from writing ``.hypothesis/``.
    """
    pack = resolve_pack(pack)
    chosen = list(properties) if properties is not None else list(PROPERTIES)
    unknown = [p for p in chosen if p not in PROPERTIES]
    if unknown:
        raise ValueError(f"unknown properties {unknown}; known: {', '.join(PROPERTIES)}")
    base = settings if settings is not None else Settings(max_examples=max_examples, database=database, print_blob=False)
    outcomes: list[Outcome] = []
    for target in targets if targets is not None else pack.targets:
        for name in chosen:
            if not PROPERTIES[name].applies_to(pack, target):
                outcomes.append(Outcome(target, name, "skipped", PROPERTIES[name].skipped))
                continue
            try:
                run_property(pack, target, name, settings=base)
            except Exception as exc:  # noqa: BLE001 — report every failure, keep going
                outcomes.append(Outcome(target, name, "failed", format_failure(exc)))
            else:
                outcomes.append(Outcome(target, name, "passed"))
    report = ConformanceReport(pack.id, tuple(outcomes))
    if raise_on_failure and not report.ok:
        raise ConformanceFailure(report)
    return report

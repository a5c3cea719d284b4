"""govrules.testing: a property-based conformance kit for packs.

Generate inputs from a pack's own declarations, check the invariants every
result must satisfy, and run the whole kit on a pack::

    from govrules.testing import run_conformance
    report = run_conformance("datonghu_2023", max_examples=200)   # raises on failure

or from pytest (the plugin is installed with govrules)::

    pytest --govrules-pack datonghu_2023 --govrules-pack path/to/rubric.yaml

The pieces are public too, for a pack's own tests:

* strategies: :func:`assessments`, :func:`invalid_assessments`, :func:`violations`,
  :func:`fact_values`, :func:`shuffle_input`;
* invariants: :func:`check_result`, :func:`check_input`, :func:`check_rejected`,
  :func:`check_monotone`, :func:`check_evaluators_agree`, … (see
  :mod:`govrules.testing.invariants`), each raising :class:`InvariantError`;
* reporting in pack terms: :func:`describe_input`, :func:`describe_result`.
"""

from .describe import describe_input, describe_result, input_json
from .invalid import Invalid, invalid_assessments
from .isolation import engine_reads_small_numbers, run_isolated
from .invariants import (
    RESULT_CHECKS,
    InvariantError,
    check_complete,
    check_deterministic,
    check_evaluators_agree,
    check_firing,
    check_grade,
    assess_valid,
    check_input,
    check_input_result,
    check_item_arithmetic,
    check_item_bounds,
    check_ledgers,
    check_monotone,
    check_order_independent,
    check_rejected,
    check_result,
    check_sections,
    check_stable,
    check_statuses,
    check_survives,
    check_models,
    check_total,
    check_trace,
    check_view,
)
from .properties import (
    PROPERTIES,
    ConformanceFailure,
    ConformanceReport,
    Outcome,
    Property,
    conformance_test,
    resolve_pack,
    run_conformance,
    run_property,
)
from .strategies import assessments, edge_assessments, fact_values, respell_numbers, pairs, shuffle_input, thresholds
from .violations import Violation, violations

__all__ = [
    "PROPERTIES",
    "RESULT_CHECKS",
    "ConformanceFailure",
    "ConformanceReport",
    "Invalid",
    "InvariantError",
    "Outcome",
    "Property",
    "Violation",
    "assessments",
    "check_complete",
    "check_deterministic",
    "check_evaluators_agree",
    "check_firing",
    "check_grade",
    "assess_valid",
    "check_input",
    "check_input_result",
    "check_item_arithmetic",
    "check_item_bounds",
    "check_ledgers",
    "check_monotone",
    "check_order_independent",
    "check_rejected",
    "check_result",
    "check_sections",
    "check_stable",
    "check_statuses",
    "check_survives",
    "check_models",
    "check_total",
    "check_trace",
    "check_view",
    "conformance_test",
    "describe_input",
    "edge_assessments",
    "engine_reads_small_numbers",
    "describe_result",
    "fact_values",
    "input_json",
    "invalid_assessments",
    "resolve_pack",
    "respell_numbers",
    "run_conformance",
    "run_isolated",
    "run_property",
    "shuffle_input",
    "pairs",
    "thresholds",
    "violations",
]

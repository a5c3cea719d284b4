"""Exact score arithmetic.

Scores are :class:`decimal.Decimal` everywhere; a float never enters a score.
Sums, products of an amount by a count, caps and floors are exact. The one
place a result can have more digits than its inputs is a division (rescaling
when items are not applicable, or a scoring model that scales to 100); there,
and only there, :data:`ROUNDING` applies.
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal
from typing import Callable, TypeVar

import attrs


@attrs.frozen
class RoundingRule:
    """How a quotient is rounded: to ``places`` decimal places, ``mode``."""

    places: int
    mode: str

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    def apply(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.mode)

    def describe(self) -> str:
        """The rule as JSON and logs state it (``2 decimal places, ROUND_HALF_UP``)."""
        return f"{self.places} decimal places, {self.mode}"

    def words(self) -> str:
        """The rule as sheets state it (保留2位小数，四舍五入)."""
        from .messages import text

        return text("rounding.rule", places=self.places, mode=text("rounding." + self.mode))


@functools.lru_cache(maxsize=16)
def rounding_words(described: str) -> str:
    """A result's rounding (``Stamp.rounding``, as :meth:`RoundingRule.describe` wrote it) in the catalogue's words.

    Kept per text: every sheet's footer states it (a batch writes a sheet per
    unit), and the catalogue's template costs some 4 µs to fill in each time.
    """
    return ROUNDING.words() if described == ROUNDING.describe() else described


#: The declared rounding rule: applied to quotients only, once, at the end.
ROUNDING = RoundingRule(places=2, mode=decimal.ROUND_HALF_UP)

ZERO = Decimal(0)

# A private context so that the caller's decimal context (precision, traps)
# never changes our arithmetic; 28 digits is far more than any rubric needs.
_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])


def to_decimal(value: object) -> Decimal:
    """Convert an input number to Decimal without passing through binary float.

    A Python float is converted through its shortest repr, so ``0.1`` becomes
    ``Decimal("0.1")``, not ``0.1000000000000000055511151231257827``.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"not a number: {value!r}")


F = TypeVar("F", bound=Callable[..., object])


def exact(func: F) -> F:
    """Run ``func`` with our arithmetic context, whatever the caller's thread has set.

    Decimal operators use the thread's current context: an application that
    lowers its precision (``decimal.getcontext().prec = 2``) or changes the
    rounding would otherwise change scores silently. Every public entry point
    that does arithmetic on scores is wrapped in this.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        with decimal.localcontext(_CONTEXT):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def mul(a: Decimal, b: Decimal | int) -> Decimal:
    return _CONTEXT.multiply(a, Decimal(b))


def add(*values: Decimal) -> Decimal:
    total = ZERO
    for v in values:
        total = _CONTEXT.add(total, v)
    return total


def sub(a: Decimal, b: Decimal) -> Decimal:
    """``a - b`` in govrules' context, without entering it (exact at these sizes, as ``add``)."""
    return _CONTEXT.subtract(a, b)


def divide(a: Decimal, b: Decimal) -> Decimal:
    """A quotient, rounded by :data:`ROUNDING` (the only rounding we do)."""
    return ROUNDING.apply(_CONTEXT.divide(a, b))


def fmt(value: Decimal | None) -> str | None:
    """Canonical text of a score: no exponent, no trailing zeros (``19.7``, ``20``)."""
    if value is None:
        return None
    if not value:  # 0, and -0 (which normalize() would keep as "-0")
        return "0"
    text = str(value)
    # Most scores' own text is already canonical: no exponent, and no
    # trailing zero after a point (20, 19.7, 0.25), which is what
    # normalize() would strip. Other text (20.0, 2E+1, 1E-7) takes the long way.
    if "E" in text or ("." in text and text[-1] == "0"):
        # In govrules' context, not the caller's (a precision of 2 would round 19.75 to 20): the text
        # is then a function of the value's own text, which jsontext's memos of texts rely on.
        return format(value.normalize(_CONTEXT), "f")
    return text

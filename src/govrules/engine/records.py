"""Frozen records made at the cost of mutable ones.

attrs' ``__init__`` of a frozen class stores each field through
``object.__setattr__`` (its ``__setattr__`` refuses stores): a call, a type
look-up and a descriptor per field, about 2.5 µs for :class:`~govrules.engine.result.Result`'s
32 fields, as much as scoring a row. The same ``__init__`` of a mutable class
stores each field with a plain attribute store, which the interpreter
specialises to a write into the slot.

:func:`builder` gives a function making instances of a frozen, slotted attrs
class ``cls`` with the same arguments as ``cls(...)``: it makes an instance of
a mutable *twin* (an attrs class of the same fields, slots in the same order,
and the same ``__init__`` signature and defaults), then gives it the class
``cls``. CPython allows assigning ``__class__`` between two classes whose
instances have the same layout, and the result is an instance of ``cls`` like
any other: frozen, equal, hashed, printed and pickled as one. Where that
cannot be done (``cls`` is not such a class, or has a ``__weakref__`` slot,
whose place after the fields CPython's layout check does not accept), the
builder is ``cls`` itself.
"""

from __future__ import annotations

from typing import Any, Callable

import attrs


def _twin(cls: type) -> type | None:
    """The mutable twin of ``cls``, or None if ``cls`` cannot have one."""
    if not (attrs.has(cls) and "__slots__" in vars(cls) and cls.__setattr__ is not object.__setattr__):
        return None
    if cls.__bases__ != (object,) or cls.__weakrefoffset__ or hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return None
    fields = attrs.fields(cls)
    if any(f.validator is not None or f.converter is not None for f in fields):
        return None
    these = {
        f.name: attrs.field(default=f.default, init=f.init, alias=f.alias, kw_only=f.kw_only, eq=False, repr=False)
        for f in fields
    }
    twin = attrs.make_class(cls.__name__, these, slots=True, frozen=False, weakref_slot=False, eq=False, repr=False, order=False, hash=False)
    if twin.__slots__ != cls.__slots__:
        return None
    try:
        object.__new__(twin).__class__ = cls  # the layout check, once
    except TypeError:
        return None
    return twin


def builder(cls: type) -> Callable[..., Any]:
    """A function making an instance of ``cls`` from what ``cls(...)`` takes, as ``cls(...)`` would; ``cls`` itself where it cannot."""
    twin = _twin(cls)
    if twin is None:
        return cls

    def build(*args: Any, **kwargs: Any) -> Any:
        record = twin(*args, **kwargs)
        record.__class__ = cls
        return record

    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    build.__doc__ = f"``{cls.__qualname__}(...)``, without its per-field ``object.__setattr__`` (govrules.engine.records)."
    return build


__all__ = ["builder"]

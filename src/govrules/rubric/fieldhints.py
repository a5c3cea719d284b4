"""What to tell a pack author who wrote a field that does not exist.

pydantic says only "extra inputs are not permitted". A pack author needs the
fields that *do* exist at that place in the file, and a did-you-mean: close
spellings (``assesors`` → ``assessors``) and the words people reach for
(``department`` → ``assessors``).
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Mapping

from pydantic import BaseModel

#: Words pack authors write for a field that has another name here.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "assessors": ("department", "departments", "dept", "assessor", "responsible", "responsible_department", "负责考核部门", "考核部门", "责任单位"),
    "units": ("unit", "only_unit", "only_units", "applies_to", "适用单位"),
    "points": ("score", "scores", "max", "weight", "分值"),
    "method": ("scoring", "评分办法", "评分标准", "扣分办法"),
    "source": ("content", "text", "考核内容"),
    "rules": ("rule", "deductions"),
    "children": ("items", "subitems", "rows"),
    "reading": ("readings",),
    "quote": ("text_quote", "原文"),
}


def _unwrap(tp: Any) -> Any:
    """``tp`` without Annotated, Optional and other unions of one model."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if _model(a) is not None or typing.get_origin(a) in (tuple, list, dict)]
            if len(models) == 1:
                tp = models[0]
                continue
        return tp


def _model(tp: Any) -> type[BaseModel] | None:
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def model_at(root: type[BaseModel], loc: tuple[Any, ...], kinds: Mapping[str, Any]) -> type[BaseModel] | None:
    """The model that reads the mapping at ``loc`` in a pack file, or None if it cannot be told."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        model = _model(current)
        if isinstance(part, int):
            if typing.get_origin(current) in (tuple, list):
                current = typing.get_args(current)[0]
                continue
            return None
        if model is not None:
            field = model.model_fields.get(part) or next((f for f in model.model_fields.values() if f.alias == part), None)
            if field is None:
                return None
            current = field.annotation
        elif part in kinds:  # a discriminated union of rule kinds puts the kind's name in the path
            current = kinds[part].model
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    return _model(_unwrap(current))


def field_names(model: type[BaseModel]) -> list[str]:
    """The names a pack file writes a model's fields by (not those only the loader writes: x-internal)."""
    return [f.alias or name for name, f in model.model_fields.items() if not (isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("x-internal"))]


def unknown_field(root: type[BaseModel], loc: tuple[Any, ...], kinds: Mapping[str, Any]) -> str:
    """The message for an unknown field at ``loc``: a did-you-mean and the fields that exist there."""
    name = str(loc[-1])
    model = model_at(root, loc[:-1], kinds)
    if model is None:
        return f"unknown field {name!r}"
    names = field_names(model)
    guess = next((field for field, words in SYNONYMS.items() if field in names and name.lower() in words), None)
    if guess is None:
        close = difflib.get_close_matches(name, names, n=1)
        guess = close[0] if close else None
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return f"unknown field {name!r}{hint}; the fields here are: {', '.join(names)}"

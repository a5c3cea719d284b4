"""How sheets name facts and readings: by their Chinese labels, not their ids.

An office user reads 「缺少事实：依申请公开是否按要求」 and 「解读2」 (listed with its
quote and choice at the foot of the sheet); JSON, ``--format json`` and logs
keep the ids (``foi_ok``, ``missing_item_each_time``) that programs and pack
authors use. One :class:`Naming` per result is passed to the functions that
write a sheet's notes; :data:`IDS` keeps the ids, for callers without a result.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import attrs


@attrs.frozen
class Naming:
    facts: Mapping[str, str] = attrs.field(factory=dict)
    readings: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def of(cls, result: Any) -> "Naming":
        """The names a sheet of ``result`` uses: its facts' labels, its readings numbered as the sheet lists them."""
        return cls(result.fact_labels, result.reading_names())

    def fact(self, name: str) -> str:
        return self.facts.get(name, name)

    def facts_text(self, names: Iterable[str]) -> str:
        return "、".join(self.fact(n) for n in names)

    def reading(self, rid: str) -> str:
        return self.readings.get(rid, rid)

    def readings_text(self, ids: Iterable[str]) -> str:
        return "、".join(self.reading(r) for r in ids)


#: Ids as they are: for a caller with no result at hand.
IDS = Naming()

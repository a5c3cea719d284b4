"""What is installed, as data: the packs, their targets and readings (``govrules packs --format json``, ``GET /packs``)."""

from __future__ import annotations

from typing import Any

from ..pack import Pack
from ..registry import Registry


def pack_summary(pack: Pack) -> dict[str, Any]:
    """One pack as ``govrules packs --format json`` lists it."""
    meta = pack.spec.pack
    return {
        "id": pack.id,
        "title": pack.title,
        "issuer": meta.issuer,
        "document_number": meta.document_number,
        "year": meta.year,
        "targets": [{"id": t.id, "name": t.name, "total": None if t.total is None else str(t.total)} for t in pack.spec.targets],
        "version": pack.version,
        "document": meta.source,
        "source": pack.origin,
    }


def pack_detail(pack: Pack) -> dict[str, Any]:
    """One pack with what a caller needs before assessing: its hash, what it extends, its readings."""
    meta = pack.spec.pack
    return {
        **pack_summary(pack),
        "content_hash": pack.content_hash,
        "date": meta.date.isoformat() if meta.date else None,
        "description": meta.description,
        "extends": pack.extends,
        "discretionary_step": str(meta.discretionary_step),
        "readings": [
            {"id": r.id, "quote": r.quote, "choice": r.choice, "alternatives": list(r.alternatives), "defect": r.defect} for r in pack.spec.readings
        ],
    }


def listing(registry: Registry) -> dict[str, Any]:
    """Every installed pack, and every broken one with its problems."""
    return {
        "packs": [pack_summary(p) for p in registry.packs],
        "broken": [{"plugin": b.plugin, "where": b.where, "error": b.summary, "problems": [str(x) for x in b.problems]} for b in registry.broken],
    }

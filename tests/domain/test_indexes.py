"""Every foreign key column leads some index (or the primary key, or a unique constraint):
without one, each look-up by it and each delete of the row it points to scans the table,
and that grows with every pupil. A column left out must say why."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from tortoise import Tortoise
from tortoise.indexes import Index
from tortoise.models import Model

from prao.models import Guardian, SlotVisibility

# Indexes the models cannot declare, made by hand in a migration; a partial index does not
# count (booking_one_active_per_period covers only the active bookings).
MIGRATION_INDEXES = {
    ("employer", "organiser_id"): "employer_org_number_per_organiser (0005)",
}

# (table, column): why it needs no index of its own.
UNINDEXED = {
    ("booking", "created_by_id"): "nothing filters by it; users are deactivated, never deleted",
    ("booking", "decided_by_id"): "nothing filters by it; users are deactivated, never deleted",
}


def _columns(model: type[Model], names: Iterable[str]) -> tuple[str, ...]:
    """Field names (as unique_together gives them) or column names, as columns."""
    fields = model._meta.fields_map
    return tuple(
        fields[n].source_field or n if n in fields and n in model._meta.fk_fields else n
        for n in names
    )


def leading_columns(model: type[Model]) -> set[str]:
    """The first column of every index, unique constraint and the primary key."""
    meta = model._meta
    leads = {meta.db_pk_column}
    for index in meta.indexes:
        names = index.fields if isinstance(index, Index) else index
        leads.add(_columns(model, names)[0])
    for together in meta.unique_together:
        leads.add(_columns(model, together)[0])
    for name, field in meta.fields_map.items():
        if field.index or field.unique:
            leads.add(field.source_field or name)
    return leads


def unindexed_foreign_keys(models: Iterable[type[Model]]) -> set[tuple[str, str]]:
    missing: set[tuple[str, str]] = set()
    for model in models:
        leads = leading_columns(model)
        for name in model._meta.fk_fields | model._meta.o2o_fields:
            column = model._meta.fields_map[name].source_field or f"{name}_id"
            if column not in leads:
                missing.add((model._meta.db_table, column))
    return missing


def prao_models() -> list[type[Model]]:
    return list(Tortoise.apps["models"].values())


def test_every_foreign_key_leads_an_index(db: None) -> None:
    assert unindexed_foreign_keys(prao_models()) - set(MIGRATION_INDEXES) == set(UNINDEXED)


def test_a_foreign_key_without_an_index_is_found(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Guardian._meta, "indexes", ())
    assert ("guardian", "pupil_id") in unindexed_foreign_keys(prao_models())


def test_a_unique_constraint_counts_for_its_first_column_only(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (slot, school) is unique: it serves look-ups by slot_id, not by school_id.
    monkeypatch.setattr(SlotVisibility._meta, "indexes", ())
    missing = unindexed_foreign_keys([SlotVisibility])
    assert missing == {("slot_visibility", "school_id")}

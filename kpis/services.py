"""Every write to the KPI app: keyword-only, validated (full_clean), atomic, and quiet when nothing changes.

Each service creates or updates one row by its natural key and says what it did ("created",
"changed" or "unchanged"). An unchanged row is not saved again, so loading the same data twice
adds no history and moves no `updated_at`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction

from kpis.models import Benchmark, KpiImport, Measure, MeasureValue, MeasureYear
from plans.models import Plan, Theme

Outcome = Literal["created", "changed", "unchanged"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Default of optional arguments: leave the field as it is (or at the model's default when creating)."""

MONTH_NOT_FIRST_MESSAGE = "Give the month as its first day (for example 2021-04-01), not {day:%d %B %Y}."
NO_FIGURE_NO_REASON_MESSAGE = (
    "{ref} {month:%b %Y} has no figure and no reason for it: enter the figure, or say why there is none "
    '(for example "n/a" or "TBC"). A missing figure is never stored as zero.'
)
THEME_NOT_IN_PLAN_MESSAGE = "Theme {number} belongs to another plan: choose a theme of {plan}."


def _upsert(
    model: type[models.Model], *, lookup: dict[str, Any], fields: dict[str, Any], user: User | None
) -> tuple[Any, Outcome]:
    """Create or update the row matching `lookup` with the set `fields`; save only when something changed."""
    fields = {name: value for name, value in fields.items() if value is not UNSET}
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance, outcome = model(**lookup, **fields), "created"
    else:
        changed = [name for name, value in fields.items() if _differs(instance, name, value)]
        if not changed:
            return instance, "unchanged"
        for name in changed:
            setattr(instance, name, fields[name])
        outcome = "changed"
    instance.full_clean()
    if user is not None and hasattr(instance, "history"):
        instance._history_user = user
    instance.save()
    return instance, outcome


def _differs(instance: models.Model, name: str, value: Any) -> bool:
    """Return whether the field differs from `value`; relations compare by key, so no query is made."""
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != (value.pk if value is not None else None)
    return getattr(instance, name) != value


def _decimal(value: Decimal | int | float | str | None | _Unset) -> Decimal | None | _Unset:
    if value is None or value is UNSET or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@transaction.atomic
def measure_update_or_create(
    *,
    plan: Plan,
    theme: Theme,
    ref: str,
    title: str,
    section: str = UNSET,
    order: int = UNSET,
    unit: str = UNSET,
    decimals: int = UNSET,
    polarity: str = UNSET,
    period_type: str = UNSET,
    definition: str = UNSET,
    data_notes: str = UNSET,
) -> tuple[Measure, Outcome]:
    """Return the plan's measure with this ref, created or updated with the given fields."""
    if theme.plan_id != plan.pk:
        raise ValidationError({"theme": THEME_NOT_IN_PLAN_MESSAGE.format(number=theme.number, plan=plan)})
    fields = {
        "theme": theme,
        "title": title,
        "section": section,
        "order": order,
        "unit": unit,
        "decimals": decimals,
        "polarity": polarity,
        "period_type": period_type,
        "definition": definition,
        "data_notes": data_notes,
    }
    return _upsert(Measure, lookup={"plan": plan, "ref": ref}, fields=fields, user=None)


@transaction.atomic
def measure_value_set(
    *,
    measure: Measure,
    month: datetime.date,
    value: Decimal | int | float | str | None,
    text: str = "",
    note: str = "",
    kpi_import: KpiImport | None = UNSET,
    user: User | None = None,
) -> tuple[MeasureValue, Outcome]:
    """Return the measure's value for the month, set to this figure (or to no figure with its reason)."""
    if month.day != 1:
        raise ValidationError({"month": MONTH_NOT_FIRST_MESSAGE.format(day=month)})
    value = _decimal(value)
    if value is None and not note.strip():
        raise ValidationError({"note": NO_FIGURE_NO_REASON_MESSAGE.format(ref=measure.ref, month=month)})
    fields = {"value": value, "text": text, "note": note, "kpi_import": kpi_import}
    return _upsert(MeasureValue, lookup={"measure": measure, "month": month}, fields=fields, user=user)


@transaction.atomic
def measure_year_set(
    *,
    measure: Measure,
    financial_year: int,
    target_min: Decimal | int | float | str | None = UNSET,
    target_upper: Decimal | int | float | str | None = UNSET,
    target_text: str = UNSET,
    outturn: Decimal | int | float | str | None = UNSET,
    outturn_text: str = UNSET,
    year_to_date: Decimal | int | float | str | None = UNSET,
    year_to_date_text: str = UNSET,
    reported_trend: str = UNSET,
    user: User | None = None,
) -> tuple[MeasureYear, Outcome]:
    """Return the measure's row for the financial year (2021 = 2021/22) with the given figures set."""
    fields = {
        "target_min": _decimal(target_min),
        "target_upper": _decimal(target_upper),
        "target_text": target_text,
        "outturn": _decimal(outturn),
        "outturn_text": outturn_text,
        "year_to_date": _decimal(year_to_date),
        "year_to_date_text": year_to_date_text,
        "reported_trend": reported_trend,
    }
    return _upsert(MeasureYear, lookup={"measure": measure, "financial_year": financial_year}, fields=fields, user=user)


@transaction.atomic
def benchmark_set(
    *,
    measure: Measure,
    kind: str,
    period: str = "",
    value: Decimal | int | float | str | None = None,
    text: str = "",
) -> tuple[Benchmark, Outcome]:
    """Return the measure's benchmark of this kind and period, set to the figure (or text) given."""
    fields = {"value": _decimal(value), "text": text}
    return _upsert(Benchmark, lookup={"measure": measure, "kind": kind, "period": period}, fields=fields, user=None)


@transaction.atomic
def measure_series_create(
    *,
    measure: Measure,
    values: list[dict[str, Any]],
    years: list[dict[str, Any]],
    benchmarks: list[dict[str, Any]],
    recorded_at: datetime.datetime | None = None,
    reason: str = "",
) -> dict[str, int]:
    """Create a new measure's monthly values, years and benchmarks in bulk; return counts created.

    For loading a measure that has no rows yet (the demo fixture): each row is validated as
    `measure_value_set` and friends would, then written in one statement per table, with history
    dated `recorded_at` (when the figures were known) rather than now.
    """
    from simple_history.utils import bulk_create_with_history

    value_rows = []
    for row in values:
        value = _decimal(row.get("value"))
        note = row.get("note", "")
        if row["month"].day != 1:
            raise ValidationError({"month": MONTH_NOT_FIRST_MESSAGE.format(day=row["month"])})
        if value is None and not note.strip():
            raise ValidationError({"note": NO_FIGURE_NO_REASON_MESSAGE.format(ref=measure.ref, month=row["month"])})
        value_rows.append(
            MeasureValue(measure=measure, month=row["month"], value=value, text=row.get("text", ""), note=note)
        )
    year_rows = [
        MeasureYear(
            measure=measure,
            **{name: _decimal(v) if name in _YEAR_DECIMALS else v for name, v in row.items()},
        )
        for row in years
    ]
    benchmark_rows = [
        Benchmark(
            measure=measure,
            kind=row["kind"],
            period=row.get("period", ""),
            value=_decimal(row.get("value")),
            text=row.get("text", ""),
        )
        for row in benchmarks
    ]
    # Field validation only: the measure was just saved, and the database enforces the constraints.
    for instance in (*value_rows, *year_rows, *benchmark_rows):
        instance.full_clean(exclude=["measure"], validate_unique=False, validate_constraints=False)
    history = {"default_date": recorded_at, "default_change_reason": reason or None}
    bulk_create_with_history(value_rows, MeasureValue, **history)
    bulk_create_with_history(year_rows, MeasureYear, **history)
    Benchmark.objects.bulk_create(benchmark_rows)
    return {"values": len(value_rows), "years": len(year_rows), "benchmarks": len(benchmark_rows)}


_YEAR_DECIMALS = {"target_min", "target_upper", "outturn", "year_to_date"}

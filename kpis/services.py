"""Every write to the KPI app: keyword-only, validated (full_clean), atomic, and quiet when nothing changes.

Each service creates or updates one row by its natural key and says what it did ("created",
"changed" or "unchanged"). An unchanged row is not saved again, so loading the same data twice
adds no history and moves no `updated_at`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kpis.models import YEAR_FIELDS, Benchmark, KpiImport, Measure, MeasureValue, MeasureYear
from plans.models import Plan, Theme

if TYPE_CHECKING:
    from kpis.spreadsheet.diff import KpiImportPreview, Writes

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
REFUSED_FILE_MESSAGE = "A refused file cannot be imported; show its problems instead."
CHANGE_REASON = "KPI import: {file_name}"
BATCH_SIZE = 2000


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
    scoring_key: str = UNSET,
    table_note: str = UNSET,
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
        "scoring_key": scoring_key,
        "table_note": table_note,
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


# --- Saves and deletes of one row as edited in the admin. --------------------------------------------


def _save(instance: models.Model, *, user: User | None) -> None:
    instance.full_clean()
    if user is not None and hasattr(instance, "history"):
        instance._history_user = user
    instance.save()


def _delete(instance: models.Model, *, user: User | None) -> None:
    if user is not None and hasattr(instance, "history"):
        instance._history_user = user
    instance.delete()


@transaction.atomic
def measure_save(*, measure: Measure, user: User | None = None) -> Measure:
    """Return the measure, validated and saved as edited (a new one, or changes to one)."""
    if measure.theme_id is not None and measure.plan_id is not None and measure.theme.plan_id != measure.plan_id:
        raise ValidationError(
            {"theme": THEME_NOT_IN_PLAN_MESSAGE.format(number=measure.theme.number, plan=measure.plan)}
        )
    _save(measure, user=user)
    return measure


@transaction.atomic
def measure_delete(*, measure: Measure, user: User | None = None) -> None:
    """Delete the measure; its values, years and benchmarks go with it (their history records the deletes)."""
    _delete(measure, user=user)


@transaction.atomic
def measure_value_save(*, measure_value: MeasureValue, user: User | None = None) -> MeasureValue:
    """Return the monthly value, validated (first of the month; no figure needs a reason) and saved."""
    if measure_value.month is not None and measure_value.month.day != 1:
        raise ValidationError({"month": MONTH_NOT_FIRST_MESSAGE.format(day=measure_value.month)})
    if measure_value.value is None and not measure_value.note.strip():
        message = NO_FIGURE_NO_REASON_MESSAGE.format(ref=measure_value.measure.ref, month=measure_value.month)
        raise ValidationError({"note": message})
    _save(measure_value, user=user)
    return measure_value


@transaction.atomic
def measure_value_delete(*, measure_value: MeasureValue, user: User | None = None) -> None:
    """Delete the monthly value, recording who did it in its history."""
    _delete(measure_value, user=user)


@transaction.atomic
def measure_year_save(*, measure_year: MeasureYear, user: User | None = None) -> MeasureYear:
    """Return the measure's financial-year row, validated and saved as edited."""
    _save(measure_year, user=user)
    return measure_year


@transaction.atomic
def measure_year_delete(*, measure_year: MeasureYear, user: User | None = None) -> None:
    """Delete the financial-year row, recording who did it in its history."""
    _delete(measure_year, user=user)


@transaction.atomic
def benchmark_save(*, benchmark: Benchmark, user: User | None = None) -> Benchmark:
    """Return the benchmark, validated and saved as edited."""
    _save(benchmark, user=user)
    return benchmark


@transaction.atomic
def benchmark_delete(*, benchmark: Benchmark, user: User | None = None) -> None:
    """Delete the benchmark."""
    _delete(benchmark, user=user)


# --- The spreadsheet import's write: everything in one transaction, or nothing. -----------------------


def kpi_import_apply(*, preview: KpiImportPreview, user: User | None = None, source: str = "admin") -> KpiImport:
    """Write a checked preview to the database with history and return the KpiImport recording it."""
    if preview.problems:
        raise ValueError(REFUSED_FILE_MESSAGE)
    writes = preview.writes
    now = timezone.now()
    reason = CHANGE_REASON.format(file_name=preview.file_name)[:100]
    with transaction.atomic():
        record = KpiImport(
            plan=preview.plan,
            file_name=preview.file_name[:255],
            imported_by=user if user is not None and user.is_authenticated else None,
            source=source,
            rows_read=preview.rows_read,
            values_created=preview.values_created,
            values_changed=preview.values_changed,
            values_unchanged=preview.values_unchanged,
        )
        record.full_clean(exclude=["measures"])
        record.save()
        record.measures.set([m.measure.pk for m in preview.measures])
        history = {"default_user": record.imported_by, "default_change_reason": reason, "default_date": now}
        _write_values_with_history(writes, record=record, now=now, reason=reason)
        if writes.new_years:
            bulk_create_with_history(writes.new_years, MeasureYear, batch_size=BATCH_SIZE, **history)
        if writes.changed_years:
            bulk_update_with_history(
                writes.changed_years, MeasureYear, list(YEAR_FIELDS), batch_size=BATCH_SIZE, **history
            )
        if writes.new_benchmarks:
            Benchmark.objects.bulk_create(writes.new_benchmarks, batch_size=BATCH_SIZE)
        if writes.changed_benchmarks:
            Benchmark.objects.bulk_update(writes.changed_benchmarks, ["value", "text"], batch_size=BATCH_SIZE)
        if writes.changed_measures:
            Measure.objects.bulk_update(writes.changed_measures, ["period_type"], batch_size=BATCH_SIZE)
    return record


def _write_values_with_history(writes: Writes, *, record: KpiImport, now: datetime.datetime, reason: str) -> None:
    """Insert and update the monthly values and their history rows with executemany.

    This is what simple_history's bulk_create_with_history / bulk_update_with_history record (one
    historical row per value: "+" created, "~" changed, history_user = the importer), written without
    building a model instance per value and per history row: for 60,000 values Django's bulk_create
    spends most of its time compiling per-field parameters. Columns come from the models' _meta, so a
    new field on MeasureValue fails loudly here instead of being left out of the history.
    """
    if not (writes.new_values or writes.changed_values):
        return
    meta, history_meta = MeasureValue._meta, MeasureValue.history.model._meta
    ops, quote = connection.ops, connection.ops.quote_name
    value_field = meta.get_field("value")
    decimals: dict[Decimal, object] = {}
    months: dict[datetime.date, object] = {}

    def db_decimal(number: Decimal | None):
        if number is None:
            return None
        if number not in decimals:
            decimals[number] = value_field.get_db_prep_save(number, connection)
        return decimals[number]

    def db_month(month: datetime.date):
        if month not in months:
            months[month] = ops.adapt_datefield_value(month)
        return months[month]

    updated_at = meta.get_field("updated_at").get_db_prep_save(now, connection)
    columns = ["measure_id", "month", "value", "text", "note", "kpi_import_id", "updated_at"]
    with connection.cursor() as cursor:
        if writes.new_values:
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(meta.get_field(c).column) for c in columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [
                    (measure_id, db_month(month), db_decimal(value), text, note, record.pk, updated_at)
                    for measure_id, month, value, text, note in writes.new_values
                ],
            )
            cursor.execute(
                f"SELECT {quote(meta.pk.column)}, {quote(meta.get_field('measure').column)}, "
                f"{quote(meta.get_field('month').column)} FROM {quote(meta.db_table)} "
                f"WHERE {quote(meta.get_field('kpi_import').column)} = %s",
                [record.pk],
            )
            new_ids = {(measure_id, _as_date(month)): pk for pk, measure_id, month in cursor.fetchall()}
        if writes.changed_values:
            assignments = ", ".join(f"{quote(meta.get_field(c).column)} = %s" for c in columns[2:])
            cursor.executemany(
                f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
                [
                    (db_decimal(value), text, note, record.pk, updated_at, pk)
                    for pk, _, _, value, text, note in writes.changed_values
                ],
            )
        shared = {
            "kpi_import_id": record.pk,
            "updated_at": updated_at,
            "history_date": history_meta.get_field("history_date").get_db_prep_save(now, connection),
            "history_change_reason": reason,
            "history_user_id": record.imported_by_id,
        }
        history_rows = [
            {"id": new_ids[measure_id, month], "measure_id": measure_id, "month": month, "value": value}
            | {"text": text, "note": note, "history_type": "+"}
            for measure_id, month, value, text, note in writes.new_values
        ] + [
            {"id": pk, "measure_id": measure_id, "month": month, "value": value}
            | {"text": text, "note": note, "history_type": "~"}
            for pk, measure_id, month, value, text, note in writes.changed_values
        ]
        history_fields = [f for f in history_meta.concrete_fields if not f.primary_key]
        cursor.executemany(
            f"INSERT INTO {quote(history_meta.db_table)} ({', '.join(quote(f.column) for f in history_fields)}) "
            f"VALUES ({', '.join(['%s'] * len(history_fields))})",
            [
                tuple(
                    db_month(row["month"])
                    if f.attname == "month"
                    else db_decimal(row["value"])
                    if f.attname == "value"
                    else row[f.attname]
                    if f.attname in row
                    else shared[f.attname]
                    for f in history_fields
                )
                for row in history_rows
            ],
        )


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])

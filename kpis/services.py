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
from django.core.exceptions import ImproperlyConfigured, ValidationError
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
    bulk_create_with_history(benchmark_rows, Benchmark, **history)
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
            bulk_create_with_history(writes.new_benchmarks, Benchmark, batch_size=BATCH_SIZE, **history)
        if writes.changed_benchmarks:
            bulk_update_with_history(
                writes.changed_benchmarks, Benchmark, ["value", "text"], batch_size=BATCH_SIZE, **history
            )
        if writes.changed_measures:
            bulk_update_with_history(
                writes.changed_measures, Measure, ["period_type"], batch_size=BATCH_SIZE, **history
            )
    return record


def _write_values_with_history(writes: Writes, *, record: KpiImport, now: datetime.datetime, reason: str) -> None:
    """Insert and update the monthly values, then copy each written row into its history in the database.

    This is what simple_history's bulk_create_with_history / bulk_update_with_history record (one
    historical row per value: "+" created, "~" changed, history_user = the importer, the reason and the
    date), written without building a model instance per value and per history row: for 60,000 values
    Django's bulk_create spends most of its time compiling per-field parameters. The history rows are
    `INSERT ... SELECT` copies of the rows just written, so they hold exactly what the table holds; the
    columns come from the models' _meta, so a field on the history model that is neither a copy of a
    value's field nor simple_history's own fails loudly here instead of being left out.
    """
    if not (writes.new_values or writes.changed_values):
        return
    meta = MeasureValue._meta
    decimals: dict[Decimal, object] = {}
    months: dict[datetime.date, object] = {}
    value_field, ops = meta.get_field("value"), connection.ops

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
    history = _HistoryCopy(record=record, now=now, reason=reason)
    with connection.cursor() as cursor:
        if writes.new_values:
            rows = [
                (measure_id, db_month(month), db_decimal(value), text, note)
                for measure_id, month, value, text, note in writes.new_values
            ]
            _values_insert(cursor, rows, kpi_import_id=record.pk, updated_at=updated_at)
            # Before the changed rows take this import's key too: now only the new rows hold it.
            history.write(cursor, "+")
        if writes.changed_values:
            rows = [(pk, db_decimal(value), text, note) for pk, _, _, value, text, note in writes.changed_values]
            _values_update(cursor, rows, kpi_import_id=record.pk, updated_at=updated_at)
            history.write(cursor, "~", skip_written=bool(writes.new_values))


# The columns of a monthly value the import writes: per row, then the two every row shares.
_VALUE_COLUMNS = ("measure_id", "month", "value", "text", "note")
_CHANGED_COLUMNS = ("id", "value", "text", "note")
_SHARED_COLUMNS = ("kpi_import_id", "updated_at")


def _columns(names) -> list[str]:
    return [connection.ops.quote_name(MeasureValue._meta.get_field(name).column) for name in names]


def _arrays(rows: list[tuple], names) -> tuple[str, list[list]]:
    """Return `unnest(%s::type[], ...)` and its parameters: one array per column (PostgreSQL)."""
    meta = MeasureValue._meta
    casts = ", ".join(f"%s::{meta.get_field(name).db_type(connection)}[]" for name in names)
    return f"unnest({casts})", [list(column) for column in zip(*rows, strict=True)]


def _values_insert(cursor, rows: list[tuple], *, kpi_import_id: int, updated_at) -> None:
    table = connection.ops.quote_name(MeasureValue._meta.db_table)
    columns = ", ".join(_columns(_VALUE_COLUMNS + _SHARED_COLUMNS))
    if connection.vendor == "postgresql":
        # psycopg2's executemany sends one INSERT per row; this sends every row in one statement, a
        # column an array (the multi-row insert the database is quickest at).
        source, params = _arrays(rows, _VALUE_COLUMNS)
        sql = f"INSERT INTO {table} ({columns}) SELECT *, %s, %s FROM {source}"
        cursor.execute(sql, [kpi_import_id, updated_at, *params])
        return
    # SQLite's executemany is already at its floor: one prepared statement, stepped per row, in C.
    placeholders = ", ".join(["%s"] * (len(_VALUE_COLUMNS) + len(_SHARED_COLUMNS)))
    cursor.executemany(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
        [(*row, kpi_import_id, updated_at) for row in rows],
    )


def _values_update(cursor, rows: list[tuple], *, kpi_import_id: int, updated_at) -> None:
    table = connection.ops.quote_name(MeasureValue._meta.db_table)
    pk, *fields = _columns(_CHANGED_COLUMNS)
    shared = _columns(_SHARED_COLUMNS)
    if connection.vendor == "postgresql":
        source, params = _arrays(rows, _CHANGED_COLUMNS)
        names = [f"u{index}" for index in range(len(_CHANGED_COLUMNS))]
        assignments = ", ".join(
            [f"{column} = {name}" for column, name in zip(fields, names[1:], strict=True)]
            + [f"{column} = %s" for column in shared]
        )
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {source} AS u({', '.join(names)}) WHERE {table}.{pk} = u0",
            [kpi_import_id, updated_at, *params],
        )
        return
    assignments = ", ".join(f"{column} = %s" for column in (*fields, *shared))
    cursor.executemany(
        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",
        [(*row[1:], kpi_import_id, updated_at, row[0]) for row in rows],
    )


class _HistoryCopy:
    """`INSERT INTO <history> SELECT <the value's columns>, <this import's history fields> FROM <values>`."""

    def __init__(self, *, record: KpiImport, now: datetime.datetime, reason: str):
        meta, history_meta = MeasureValue._meta, MeasureValue.history.model._meta
        quote = connection.ops.quote_name
        copied = {field.attname: field.column for field in meta.concrete_fields}
        self.own = {
            "history_date": history_meta.get_field("history_date").get_db_prep_save(now, connection),
            "history_change_reason": reason,
            "history_user_id": record.imported_by_id,
            "history_type": None,  # "+" or "~", per write
        }
        fields = [f for f in history_meta.concrete_fields if not f.primary_key]
        unknown = [f.attname for f in fields if f.attname not in copied and f.attname not in self.own]
        if unknown:
            raise ImproperlyConfigured(f"The KPI import does not know how to fill the history fields {unknown}.")
        self.own_fields = [f.attname for f in fields if f.attname not in copied]
        selected = ", ".join(f"v.{quote(copied[f.attname])}" if f.attname in copied else "%s" for f in fields)
        table, values_table = quote(history_meta.db_table), quote(meta.db_table)
        import_column, history_import_column = (
            quote(meta.get_field("kpi_import").column),
            quote(history_meta.get_field("kpi_import").column),
        )
        id_column, history_id_column = quote(meta.pk.column), quote(history_meta.get_field(meta.pk.attname).column)
        self.sql = (
            f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "
            f"SELECT {selected} FROM {values_table} v WHERE v.{import_column} = %s"
        )
        self.not_yet_copied = (
            f" AND NOT EXISTS (SELECT 1 FROM {table} h WHERE h.{history_id_column} = v.{id_column}"
            f" AND h.{history_import_column} = %s)"
        )
        self.record_pk = record.pk

    def write(self, cursor, history_type: str, *, skip_written: bool = False) -> None:
        """Copy the rows holding this import's key (but those copied already, with `skip_written`)."""
        own = {**self.own, "history_type": history_type}
        params = [own[name] for name in self.own_fields] + [self.record_pk]
        sql = self.sql
        if skip_written:
            sql += self.not_yet_copied
            params.append(self.record_pk)
        cursor.execute(sql, params)


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])

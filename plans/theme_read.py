"""The live report's reads on the path people wait on, written as SQL statements: its themes' contents, the quarters
with news.

Every view of the report after a head of service's update reads that theme again (report.cache), so this read is
on the path people wait on most. Written with the ORM it took four queries, and on PostgreSQL most of its time went
to compiling them and to planning the joins, not to running them (4.6 ms for a Torbay-size theme, of which
1.4 ms in the database). Here it is one statement, written once per process for each shape (the number of
themes asked for, whether a round is open): the objectives, each joined to its live key actions, their owners' names
and the narrative update each row shows; the year's four RAGs, the previous quarter's and whether the action awaits
sign-off as scalar subqueries, which PostgreSQL plans one by one rather than as one join of nine tables (0.7 ms).

The values come back through the same converters the ORM applies (SQLite keeps dates as text), into model
instances made as the ORM makes them (Model.from_db). tests/plans/test_theme_read.py holds it to the ORM's
answer. The report as at a date reads the history tables with the ORM (plans.selectors.report_theme_contents).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model

from core.calendar import FinancialQuarter
from plans.models import ActionUpdate, KeyAction, Objective, QuarterRag, ReportingRound, Submission, Theme


@dataclass(frozen=True)
class _Slice:
    """Where one model's columns sit in a row of the statement, and how each value is converted."""

    model: type[Model]
    attnames: tuple[str, ...]
    start: int
    converters: tuple[tuple[int, tuple, object], ...]  # (index in the slice, converters, expression)

    @property
    def end(self) -> int:
        return self.start + len(self.attnames)

    def instance(self, row: tuple, alias: str) -> Model | None:
        """Return the model instance in `row` (of the database `alias`), or None when its columns are empty (a left
        join found no row)."""
        values = list(row[self.start : self.end])
        if values[0] is None:  # the primary key: the first concrete field of each model read here
            return None
        for index, converters, expression in self.converters:
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        return self.model.from_db(alias, self.attnames, values)


@dataclass(frozen=True)
class _Statement:
    sql: str
    objective: _Slice
    action: _Slice
    owner: _Slice
    update: _Slice
    rags: int  # where the year's four RAGs, then the previous quarter's, start
    awaiting: int | None  # where whether the action awaits sign-off sits (None: no round is open)


def _slice(model: type[Model], alias: str, start: int, only: tuple[str, ...] = ()) -> tuple[_Slice, list[str]]:
    """Return where `model`'s columns sit from `start`, and the columns: every concrete field, or those in `only`
    (the others deferred, as QuerySet.only() leaves them)."""
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not only or f.attname in only]
    assert fields[0].primary_key, model  # _Slice.instance reads an empty left join from the first column
    converters = []
    for index, model_field in enumerate(fields):
        expression = model_field.get_col(alias)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if found:
            converters.append((index, tuple(found), expression))
    columns = [f"{alias}.{quote(model_field.column)}" for model_field in fields]
    attnames = tuple(model_field.attname for model_field in fields)
    return _Slice(model, attnames, start, tuple(converters)), columns


@functools.cache
def _statement(vendor: str, theme_count: int | None, round_open: bool) -> _Statement:
    """Return the statement for `theme_count` themes (None: the plan's every theme), written once per process."""
    quote = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    quarter, order = quote("quarter"), quote("order")
    columns: list[str] = []
    slices = {}
    owner = get_user_model()
    # Of the owner, what the report shows when the action has no owner's name written (get_full_name, else the
    # username): not the password's hash or the rest of the account.
    names = (owner._meta.pk.attname, owner.USERNAME_FIELD, "first_name", "last_name")
    for name, model, alias, only in (
        ("objective", Objective, "o", ()),
        ("action", KeyAction, "a", ()),
        ("owner", owner, "u", names),
        ("update", ActionUpdate, "n", ()),
    ):
        slices[name], found = _slice(model, alias, len(columns), only)
        columns += found
    rags = len(columns)
    # The year's Q1 to Q4, then the previous quarter: (year, quarter) parameters each.
    columns += [
        f"(SELECT r.{quote('rag')} FROM {table(QuarterRag)} r WHERE r.key_action_id = a.id "
        f"AND r.financial_year = %s AND r.{quarter} = %s)"
    ] * 5
    awaiting = None
    if round_open:  # as plans.selectors._awaiting_signoff: submitted in the plan's open round
        awaiting = len(columns)
        columns.append(
            f"EXISTS (SELECT 1 FROM {table(Submission)} s INNER JOIN {table(ReportingRound)} rr ON rr.id = s.round_id "
            "WHERE s.key_action_id = a.id AND s.status = %s AND rr.status = %s)"
        )
    if theme_count is None:
        themes = f"INNER JOIN {table(Theme)} t ON t.id = o.theme_id WHERE t.plan_id = %s"
    else:
        themes = f"WHERE o.theme_id IN ({', '.join(['%s'] * theme_count)})"
    # The update a row shows (as plans.selectors._narrative_update_ids): the latest for the quarter, else the latest
    # for an earlier one; never one for a later quarter.
    narrative = (
        f"SELECT n2.id FROM {table(ActionUpdate)} n2 WHERE n2.key_action_id = a.id "
        f"AND (n2.financial_year < %s OR (n2.financial_year = %s AND n2.{quarter} <= %s)) "
        f"ORDER BY n2.financial_year DESC, n2.{quarter} DESC, n2.created_at DESC, n2.id DESC LIMIT 1"
    )
    sql = (
        f"SELECT {', '.join(columns)} FROM {table(Objective)} o "
        f"LEFT JOIN {table(KeyAction)} a ON a.objective_id = o.id AND a.retired_at IS NULL "
        f"LEFT JOIN {table(get_user_model())} u ON u.id = a.owner_id "
        f"LEFT JOIN {table(ActionUpdate)} n ON n.id = ({narrative}) "
        f"{themes} ORDER BY o.theme_id, o.{order}, o.id, a.{order}, a.id"
    )
    return _Statement(sql=sql, rags=rags, awaiting=awaiting, **slices)


@dataclass(frozen=True)
class ThemeReadRow:
    """A live key action as the report shows it, read with its objective."""

    action: KeyAction
    rags: list[str]  # the year's Q1 to Q4, "" where not set
    previous_rag: str | None  # the quarter before the reporting quarter's (None: not set)
    update: ActionUpdate | None
    awaiting_signoff: bool


def live_theme_read(
    *, plan, quarter: FinancialQuarter, theme_pks: list[int] | None, round_open: bool
) -> tuple[list[Objective], list[ThemeReadRow]]:
    """Return the objectives of the plan's themes in `theme_pks` (every theme when None), in the report's order,
    and their live key actions in order, each with what its row shows. One query."""
    if theme_pks is not None and not theme_pks:
        return [], []
    statement = _statement(connection.vendor, None if theme_pks is None else len(theme_pks), round_open)
    previous = quarter.previous
    params: list = []
    for number in (1, 2, 3, 4):
        params += [quarter.financial_year, number]
    params += [previous.financial_year, previous.quarter]
    if round_open:
        params += [Submission.Status.SUBMITTED.value, ReportingRound.Status.OPEN.value]
    params += [quarter.financial_year, quarter.financial_year, quarter.quarter]
    params += [plan.pk] if theme_pks is None else list(theme_pks)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    objectives: dict[int, Objective] = {}
    actions: list[ThemeReadRow] = []
    alias = connection.alias
    objective_cache = KeyAction._meta.get_field("objective")
    owner_cache = KeyAction._meta.get_field("owner")
    for row in rows:
        objective_pk = row[statement.objective.start]
        if objective_pk not in objectives:
            objectives[objective_pk] = statement.objective.instance(row, alias)
        action = statement.action.instance(row, alias)
        if action is None:  # an objective with no live key action
            continue
        objective_cache.set_cached_value(action, objectives[objective_pk])
        owner_cache.set_cached_value(action, statement.owner.instance(row, alias))
        rags = row[statement.rags : statement.rags + 5]
        actions.append(
            ThemeReadRow(
                action=action,
                rags=[rag or "" for rag in rags[:4]],
                previous_rag=rags[4],
                update=statement.update.instance(row, alias),
                awaiting_signoff=statement.awaiting is not None and bool(row[statement.awaiting]),
            )
        )
    return list(objectives.values()), actions


def quarters_with_news_read(plan_pk: int) -> list[tuple[int, int]]:
    """Return the (financial year, quarter) pairs with a RAG or a narrative update in the plan, unordered. One
    statement: the ORM's union of two joins took 1.2 ms on PostgreSQL, most of it compiling and planning; this
    takes 0.5 ms (the plan's key actions found once)."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    quarter = quote("quarter")
    sql = (
        f"WITH actions AS (SELECT a.id FROM {table(KeyAction)} a INNER JOIN {table(Objective)} o "
        f"ON o.id = a.objective_id INNER JOIN {table(Theme)} t ON t.id = o.theme_id WHERE t.plan_id = %s) "
        f"SELECT financial_year, {quarter} FROM {table(QuarterRag)} WHERE key_action_id IN (SELECT id FROM actions) "
        f"UNION SELECT financial_year, {quarter} FROM {table(ActionUpdate)} "
        "WHERE key_action_id IN (SELECT id FROM actions)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [plan_pk])
        return cursor.fetchall()

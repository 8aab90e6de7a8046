"""Snapshots: what a paper shows as plain data, the shape "since the last board" compares (report.changes).

`paper_data` is frozen with every published paper (PublishedPaper.data), from the report's own reads, and stays
the source of truth for later comparisons; `board_snapshot` reads the same shape for the live report from
values() rows in a fixed number of queries (leaving out the words of the updates, which no comparison reads).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils.html import strip_tags

from core.calendar import FinancialQuarter
from kpis.formatting import figure_display
from kpis.models import Measure, MeasureValue, MeasureYear
from kpis.rag import targets_for_month, value_rag
from plans.models import ActionUpdate, KeyAction, Plan, QuarterRag
from report.context import ReportContext
from risks.models import Risk

TAG = re.compile(r"<[^>]*>")


def _text(value: str | None) -> str:
    return strip_tags(value or "").strip()


def _quarter_data(quarter: FinancialQuarter) -> dict:
    return {"financial_year": quarter.financial_year, "quarter": quarter.quarter, "label": quarter.label}


def _plan_data(plan: Plan) -> dict:
    return {"id": plan.pk, "slug": plan.slug, "title": plan.title}


def paper_data(report_context: ReportContext) -> dict:
    """Return what the paper shows as plain data: each key action's RAG and update, each measure's latest RAG,
    each risk's scores (enough to say later what changed since this paper)."""
    quarter = report_context.quarter
    actions = []
    for row in report_context.themes.rows:
        update = row.latest_update
        actions.append(
            {
                "id": row.action.pk,
                "description": _text(row.action.description),
                "owner": row.action.owner_name,
                "rags": row.rags,
                "rag": row.rags[quarter.quarter - 1] if len(row.rags) >= quarter.quarter else "",
                "update": None
                if update is None
                else {
                    "quarter": update.for_quarter.label,
                    "progress": _text(update.progress),
                    "barriers": _text(update.barriers),
                    "next_steps": _text(update.next_steps),
                },
            }
        )
    measures = [
        {
            "id": row.measure.pk,
            "ref": row.measure.ref,
            "title": row.measure.title,
            "latest": None
            if row.latest is None
            else {"month": row.latest.month.isoformat(), "display": row.latest.display, "rag": row.latest.rag},
        }
        for table in report_context.measure_tables.values()
        for row in table.rows
    ]
    risks = [
        {
            "id": risk.pk,
            "ref": risk.ref,
            "description": risk.description,
            "score": risk.score,
            "target_score": risk.target_score,
            "status": risk.status,
        }
        for risk in report_context.risks
    ]
    return {
        "plan": _plan_data(report_context.plan),
        "quarter": _quarter_data(quarter),
        "actions": actions,
        "measures": measures,
        "risks": risks,
    }


FIGURE_FIELDS = ("month", "value", "text", "note")


def _latest_value(field_name: str) -> Subquery:
    latest = MeasureValue.objects.filter(measure=OuterRef("pk"), value__isnull=False).order_by("-month")
    return Subquery(latest.values(field_name)[:1])


def _snapshot_measures(plan: Plan) -> list[dict]:
    """Each measure's latest figure and its RAG, as the report's KPI tables read it: two queries."""
    measures = list(
        Measure.objects.filter(plan=plan)
        .order_by("theme__number", "order", "id")
        .annotate(
            latest_month=_latest_value("month"),
            latest_value=_latest_value("value"),
            latest_text=_latest_value("text"),
            latest_note=_latest_value("note"),
        )
        .values("id", "ref", "title", "unit", "decimals", "polarity", *(f"latest_{f}" for f in FIGURE_FIELDS))
    )
    targets: dict[int, dict] = {}
    years = MeasureYear.objects.filter(measure__plan=plan).values_list(
        "measure_id", "financial_year", "target_min", "target_upper"
    )
    for measure_id, financial_year, target_min, target_upper in years:
        targets.setdefault(measure_id, {})[financial_year] = (target_min, target_upper)
    rows = []
    for m in measures:
        latest = None
        if m["latest_month"] is not None:
            target_min, target_upper = targets_for_month(
                targets_by_year=targets.get(m["id"], {}), month=m["latest_month"]
            )
            latest = {
                "month": m["latest_month"].isoformat(),
                "display": figure_display(
                    m["latest_value"], m["latest_text"], unit=m["unit"], decimals=m["decimals"], note=m["latest_note"]
                ),
                "rag": value_rag(
                    value=m["latest_value"], target_min=target_min, target_upper=target_upper, polarity=m["polarity"]
                ),
            }
        rows.append({"id": m["id"], "ref": m["ref"], "title": m["title"], "latest": latest})
    return rows


SNAPSHOT_PARTS = ("actions", "measures", "risks")


def board_snapshot(
    *,
    plan: Plan,
    quarter: FinancialQuarter,
    theme_pks: Collection[int] | None = None,
    parts: Collection[str] = SNAPSHOT_PARTS,
) -> dict:
    """Return the plan's data now in paper_data's shape, from values() rows in six queries whatever its size.

    An action's update is given by its quarter only (the comparison reads no more of it); the paper keeps the
    words too. Retired actions are left out, as on the report. Each action row also names its theme
    (`theme_id`), which a paper's rows do not. `theme_pks` reads those themes' actions only; `parts` only those
    parts (three queries for the actions, two for the measures, one for the register); the others are empty.
    """
    in_plan = Q(objective__theme__plan=plan) if theme_pks is None else Q(objective__theme_id__in=list(theme_pks))
    of_actions = Q(key_action__objective__theme__plan=plan)
    if theme_pks is not None:
        of_actions = Q(key_action__objective__theme_id__in=list(theme_pks))
    action_rows = [] if "actions" not in parts else _snapshot_actions(in_plan, of_actions, quarter)
    risks = []
    if "risks" in parts:
        risks = list(
            Risk.objects.filter(plan=plan)
            .order_by("ref")  # the report's order (report.context.ReportContext.risks)
            .values("id", "ref", "description", "score", "target_score", "status")
        )
    return {
        "plan": _plan_data(plan),
        "quarter": _quarter_data(quarter),
        "actions": action_rows,
        "measures": _snapshot_measures(plan) if "measures" in parts else [],
        "risks": risks,
    }


def theme_snapshot_actions(report_context: ReportContext, block) -> list[dict]:
    """Return one theme's key actions now in board_snapshot's shape, from the rows the report reads for the theme
    (report_context.theme_action_rows: no queries of its own once the report has read the theme)."""
    quarter = report_context.quarter
    rows = []
    for row in report_context.theme_action_rows(block).values():
        action, update, rags = row.action, row.latest_update, list(row.row.rags)
        rows.append(
            {
                "id": action.pk,
                "description": TAG.sub("", action.description).strip(),  # sanitised HTML: every "<" opens a tag
                "owner": action.owner_name,
                "theme_id": block.theme.pk,
                "rags": rags,
                "rag": rags[quarter.quarter - 1],
                "update": None if update is None else {"quarter": update.for_quarter.label},
            }
        )
    return rows


def _snapshot_actions(in_plan: Q, of_actions: Q, quarter: FinancialQuarter) -> list[dict]:
    actions = (
        KeyAction.objects.filter(in_plan, retired_at__isnull=True)
        .order_by("objective__theme__number", "objective__order", "objective_id", "order", "id")
        .values_list("id", "description", "owner_name", "objective__theme_id")
    )
    rags: dict[int, list[str]] = {}
    for action_id, number, rag in QuarterRag.objects.filter(
        of_actions, financial_year=quarter.financial_year
    ).values_list("key_action_id", "quarter", "rag"):
        rags.setdefault(action_id, ["", "", "", ""])[number - 1] = rag
    # The latest quarter (up to the report's) each action has an update for: the quarter the report shows.
    updated = dict(
        ActionUpdate.objects.filter(
            Q(financial_year__lt=quarter.financial_year)
            | Q(financial_year=quarter.financial_year, quarter__lte=quarter.quarter),
            of_actions,
        )
        .order_by()
        .values("key_action_id")
        .annotate(latest=Max(F("financial_year") * 10 + F("quarter")))
        .values_list("key_action_id", "latest")
    )
    action_rows = []
    for action_id, description, owner, theme_id in actions:
        year_rags = rags.get(action_id, ["", "", "", ""])
        latest = updated.get(action_id)
        action_rows.append(
            {
                "id": action_id,
                "description": TAG.sub("", description).strip(),  # sanitised HTML: every "<" opens a tag
                "owner": owner,
                "theme_id": theme_id,
                "rags": year_rags,
                "rag": year_rags[quarter.quarter - 1],
                "update": None if latest is None else {"quarter": FinancialQuarter(latest // 10, latest % 10).label},
            }
        )
    return action_rows

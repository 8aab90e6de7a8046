"""Build a plan the size of Torbay's 2021 highlight report, or any multiple of it, fast (tests and bench).

Torbay's size: 4 themes, about 65 key actions, about 60 measures of 11 months (`months` gives more or
fewer), 10 risks. Rows are bulk-created, with their history where the model keeps one, so the report
"as at" a date has the same kind of data to read as a plan edited through the pages.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.calendar import FinancialQuarter
from kpis.models import Benchmark, Measure, MeasureValue, MeasureYear, Polarity, Unit
from plans.models import (
    ActionUpdate,
    KeyAction,
    KeyPriority,
    MediumTermDevelopment,
    Objective,
    Plan,
    QuarterRag,
    Rag,
    RagGuidance,
    Theme,
)
from report.models import PublishedPaper
from report.snapshots import board_snapshot
from risks.models import DatePrecision, Risk, score_of

THEMES = 4
OBJECTIVES_PER_THEME = 4
ACTIONS_PER_OBJECTIVE = 4  # 64 key actions at Torbay's size
MEASURES_PER_THEME = 15  # 60 measures
LAST_MONTH = datetime.date(2021, 5, 1)
MONTHS_SHOWN = 11  # July 2020 to May 2021, as the seed
RISKS = 10
RAG_CYCLE = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.AMBER, Rag.GREEN)


def months_to_may_2021(count: int) -> list[datetime.date]:
    """Return the first days of the `count` months that end with May 2021, oldest first."""
    ordinal = LAST_MONTH.year * 12 + LAST_MONTH.month - 1
    return [datetime.date(n // 12, n % 12 + 1, 1) for n in range(ordinal - count + 1, ordinal + 1)]


def build_plan(
    *, slug: str, scale: int = 1, owner: User | None = None, recorded_at=None, months: int = MONTHS_SHOWN
) -> Plan:
    """Create a plan `scale` times Torbay's size (themes, objectives, actions, measures, risks), each measure
    with a figure for each of `months` months to May 2021; return it."""
    recorded_at = recorded_at or timezone.now()
    owner = (
        owner
        or User.objects.get_or_create(username=f"owner-{slug}", defaults={"first_name": "Owen", "last_name": "Owner"})[
            0
        ]
    )
    plan = Plan(
        slug=slug,
        title=f"Highlight report {slug}",
        senior_responsible_officer="Nancy Meehan",
        report_date=datetime.date(2021, 7, 13),
        overall_status=Rag.AMBER,
        overall_narrative="<p>Overall progress.</p>",
    )
    plan._history_date = recorded_at
    plan.save()
    KeyPriority.objects.bulk_create(
        KeyPriority(plan=plan, ref=str(n), description=f"Priority {n}", owner_name="Becky Thompson", order=n)
        for n in range(1, 6)
    )
    MediumTermDevelopment.objects.bulk_create(
        MediumTermDevelopment(plan=plan, ref=str(n), description=f"Development {n}", by_when="01.04.2022", order=n)
        for n in range(1, 4)
    )
    RagGuidance.objects.bulk_create(
        RagGuidance(plan=plan, rag=rag, overall_rating=f"{rag} overall", action_rating=f"{rag} action")
        for rag in (Rag.GREEN, Rag.AMBER, Rag.RED)
    )
    themes = bulk_create_with_history(
        [
            Theme(
                plan=plan,
                number=n,
                title=f"Theme {n}",
                overview_narrative=f"<p>Theme {n} overview.</p>",
                overview_rag=Rag.AMBER,
            )
            for n in range(1, THEMES * scale + 1)
        ],
        Theme,
        default_date=recorded_at,
    )
    themes = list(Theme.objects.filter(plan=plan).order_by("number"))
    Objective.objects.bulk_create(
        Objective(theme=theme, order=o, lead_officer="Becky Thompson", description=f"Objective {theme.number}.{o}")
        for theme in themes
        for o in range(OBJECTIVES_PER_THEME)
    )
    objectives = list(Objective.objects.filter(theme__plan=plan).order_by("theme__number", "order"))
    bulk_create_with_history(
        [
            KeyAction(
                objective=objective,
                order=a,
                description=f"<p>Key action {objective.description}.{a}</p>",
                owner=owner,
                owner_name=owner.get_full_name(),
            )
            for objective in objectives
            for a in range(ACTIONS_PER_OBJECTIVE)
        ],
        KeyAction,
        default_date=recorded_at,
    )
    actions = list(KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk"))
    rags = []
    for index, action in enumerate(actions):
        rags.append(
            QuarterRag(key_action=action, financial_year=2021, quarter=1, rag=RAG_CYCLE[index % 5], set_at=recorded_at)
        )
        rags.append(
            QuarterRag(
                key_action=action, financial_year=2020, quarter=4, rag=RAG_CYCLE[(index + 1) % 5], set_at=recorded_at
            )
        )
    bulk_create_with_history(rags, QuarterRag, default_date=recorded_at)
    ActionUpdate.objects.bulk_create(
        ActionUpdate(
            key_action=action,
            financial_year=2021,
            quarter=1,
            progress=f"<p>Progress on action {action.pk}.</p>",
            author_name=owner.get_full_name(),
            created_at=recorded_at,
        )
        for index, action in enumerate(actions)
        if index % 8  # one action in eight has no narrative yet
    )
    measures = Measure.objects.bulk_create(
        Measure(
            plan=plan,
            theme=theme,
            ref=f"{theme.number}.{m}",
            title=f"Measure {theme.number}.{m}",
            section="Section A" if m < 8 else "Section B",
            order=m,
            unit=Unit.PERCENTAGE,
            polarity=Polarity.HIGHER_IS_BETTER,
            period_type="ytd",
            data_notes="Checked." if m == 1 else "",
        )
        for theme in themes
        for m in range(1, MEASURES_PER_THEME + 1)
    )
    measures = list(Measure.objects.filter(plan=plan))
    bulk_create_with_history(
        [
            MeasureValue(measure=measure, month=month, value=Decimal(70 + (i + j) % 25))
            for i, measure in enumerate(measures)
            for j, month in enumerate(months_to_may_2021(months))
        ],
        MeasureValue,
        default_date=recorded_at,
    )
    bulk_create_with_history(
        [
            MeasureYear(measure=measure, financial_year=year, **fields)
            for measure in measures
            for year, fields in (
                (2019, {"outturn": Decimal(75)}),
                (2020, {"outturn": Decimal(80)}),
                (2021, {"target_min": Decimal(85), "target_upper": Decimal(95), "year_to_date": Decimal(82)}),
            )
        ],
        MeasureYear,
        default_date=recorded_at,
    )
    Benchmark.objects.bulk_create(
        Benchmark(measure=measure, kind=kind, period=period, value=Decimal(84))
        for measure in measures
        for kind, period in (("national", ""), ("stat_neighbour", "to 2021"))
    )
    risks = []
    for n in range(1, RISKS * scale + 1):
        probability, impact = 1 + n % 5, 1 + (n * 2) % 5
        risks.append(
            Risk(
                plan=plan,
                ref=n,
                description=f"If risk {n} happens, then harm.",
                mitigation="Mitigate.",
                owner=owner,
                date_raised=datetime.date(2020, 1, 1),
                date_raised_precision=DatePrecision.MONTH,
                probability=probability,
                impact=impact,
                score=score_of(probability, impact),
                inherent_probability=probability,
                inherent_impact=impact,
                inherent_score=score_of(probability, impact),
            )
        )
    bulk_create_with_history(risks, Risk, default_date=recorded_at)
    return plan


LAST_BOARD = FinancialQuarter(2020, 4)


def earlier_paper(plan: Plan, quarter: FinancialQuarter = LAST_BOARD) -> PublishedPaper:
    """Record the plan's paper for `quarter` (Q4 2020/21 unless told) as the last board's: its data only, no files
    laid out, so that the report's "since the last board" compares with it, as after a council's first board."""
    return PublishedPaper.objects.create(
        plan=plan,
        financial_year=quarter.financial_year,
        quarter=quarter.quarter,
        version=1,
        published_at=timezone.now(),
        html_file="papers/none.html",
        docx_file="papers/none.docx",
        data=board_snapshot(plan=plan, quarter=quarter),
    )

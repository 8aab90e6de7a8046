"""The seed's ten risks, loaded by setup_demo through risks.demo.load_demo."""

import datetime
import io

import pytest
from django.core.management import call_command

from risks import selectors
from risks.demo import load_demo
from risks.models import Risk

pytestmark = pytest.mark.django_db

SEED_SCORES = {
    1: (4, 5, 20),
    2: (4, 4, 16),
    3: (4, 4, 16),
    4: (3, 5, 15),
    5: (5, 5, 25),
    6: (3, 4, 12),
    7: (2, 2, 4),
    8: (3, 4, 12),
    9: (3, 4, 12),
    10: (3, 4, 12),
}


def test_demo_loads_the_seeds_ten_risks_with_their_real_figures(plan, sro):
    out = io.StringIO()
    load_demo(plan_slug=plan.slug, stdout=out)
    risks = {risk.ref: risk for risk in Risk.objects.filter(plan=plan)}
    assert {ref: (r.probability, r.impact, r.score) for ref, r in risks.items()} == SEED_SCORES
    assert {r.owner for r in risks.values()} == {sro}
    assert [r.band.label for r in sorted(risks.values(), key=lambda r: r.ref)] == [
        "High",
        "High",
        "High",
        "High",
        "High",
        "Medium",
        "Low",
        "Medium",
        "Medium",
        "Medium",
    ]
    assert risks[1].date_raised_display == "January 2020"
    assert risks[9].date_raised == datetime.date(2020, 10, 1)
    assert risks[10].date_raised == datetime.date(2020, 11, 1)
    assert risks[9].mitigation.endswith("support via")  # cut off in the seed, kept as written
    assert risks[1].description.startswith("If the service response is inadequate, then")
    assert "10 added" in out.getvalue()


def test_running_the_demo_twice_changes_nothing(plan, sro):
    load_demo(plan_slug=plan.slug)
    before = list(Risk.objects.values())
    history = Risk.history.count()
    out = io.StringIO()
    load_demo(plan_slug=plan.slug, stdout=out)
    assert list(Risk.objects.values()) == before
    assert Risk.history.count() == history == 10
    assert "0 added" in out.getvalue()


def test_demo_history_dates_the_scores_to_the_report(plan, sro):
    load_demo(plan_slug=plan.slug)
    record = Risk.history.get(ref=5)
    assert record.history_date.date() == plan.report_date
    assert record.history_user is None
    assert "highlight report of 13/07/2021" in record.history_change_reason
    as_at_report = selectors.risk_register_for_plan(plan=plan, as_at=plan.report_date)
    assert [r.ref for r in as_at_report][:5] == [5, 1, 2, 3, 4]
    assert [r.score for r in as_at_report] == sorted((s for _, _, s in SEED_SCORES.values()), reverse=True)
    assert selectors.risk_register_for_plan(plan=plan, as_at=datetime.date(2021, 7, 12)) == []


def test_demo_refuses_when_the_owner_is_not_a_user(plan):
    with pytest.raises(Exception, match="No user is called “Nancy Meehan”"):
        load_demo(plan_slug=plan.slug)
    assert not Risk.objects.exists()


def test_import_command_uses_the_same_pipeline_all_or_nothing(plan, sro, tmp_path):
    good = tmp_path / "register.csv"
    good.write_text(
        "Ref,Issue / Risk,Description,Mitigation / Resolution,Date Raised,Owner,Probability,Impact,Risk Score\n"
        '1,Risk,"If x, then y.",Oversight.,January 2020,Nancy Meehan,4,5,20\n',
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text(encoding="utf-8").replace(",20\n", ",21\n"), encoding="utf-8")
    with pytest.raises(Exception, match="Row 2, column “Risk Score”"):
        call_command("import_risks", str(bad), plan=plan.slug)
    assert not Risk.objects.exists()
    out = io.StringIO()
    call_command("import_risks", str(good), plan=plan.slug, stdout=out)
    assert Risk.objects.get().score == 20
    assert "1 new" in out.getvalue()

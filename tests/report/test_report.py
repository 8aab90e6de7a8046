"""The highlight report page: its sections in the seed's order, as at a date, at a glance, bad input, the PDF."""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.calendar import current_quarter
from kpis import services as kpi_services
from kpis.models import MeasureValue, MeasureYear, Polarity, Unit
from plans import services
from plans.models import ActionUpdate, KeyAction, Plan, QuarterRag, Rag, Theme
from report import views as report_views
from risks import services as risk_services
from risks.models import Risk
from tests.factories import (
    ActionUpdateFactory,
    KeyActionFactory,
    ObjectiveFactory,
    PlanFactory,
    QuarterRagFactory,
    ThemeFactory,
)
from tests.report.helpers import element_by_id, h2_ids, moment, text_of
from tests.two_factor import sign_in

pytestmark = pytest.mark.django_db

JUNE_1 = datetime.date(2021, 6, 1)


@pytest.fixture
def plan(head_of_service):
    """A small plan with every section filled in, owned by becky.thompson."""
    plan = PlanFactory(slug="torbay", title="Torbay highlight report", senior_responsible_officer="Nancy Meehan")
    plan.key_priorities.create(ref="1", description="Edge of Care services to full capacity.", owner_name="Becky")
    plan.medium_term_developments.create(ref="1", description="Restorative practice training.", by_when="2022")
    plan.rag_guidance.create(rag=Rag.GREEN, overall_rating="On track", action_rating="Completed")
    for number in (1, 2):
        theme = ThemeFactory(plan=plan, number=number, title=f"Theme title {number}")
        KeyActionFactory(objective=ObjectiveFactory(theme=theme), owner=head_of_service, owner_name="Becky Thompson")
    return plan


@pytest.fixture
def signed_in(client, sro):
    client.force_login(sro)
    return client


def get_report(client, **params):
    response = client.get(reverse("report"), params)
    assert response.status_code == 200
    return response.content.decode()


def backdate_history(day: datetime.date) -> None:
    """Move every history record made so far to `day`, as if it had all happened then."""
    at = moment(day)
    for model in (Plan, Theme, KeyAction, QuarterRag, MeasureValue, MeasureYear):
        model.history.update(history_date=at)
    Risk.history.update(history_date=at)
    ActionUpdate.objects.update(created_at=at)


# The page ----------------------------------------------------------------------------------------


def test_home_page_is_the_report_with_every_section_in_the_seeds_order(signed_in, plan):
    html = get_report(signed_in)
    assert h2_ids(html) == [
        "summary-heading",  # SRO, date of report, overall status: the seed's first section
        "glance-heading",  # what the SRO looks for first, beside the overall status
        "changes-heading",  # what changed since the last board's paper (report.changes)
        "overall-heading",
        "priorities-heading",
        "medium-heading",
        "risks-heading",
        "guidance-heading",
        "theme-1-heading",
        "theme-2-heading",
    ]
    theme = element_by_id(html, "theme-1", tag="section")
    positions = [theme.index(h) for h in ("Overview narrative", "Overview RAG rating", "Progress in delivering")]
    assert positions == sorted(positions)
    assert "Nancy Meehan" in element_by_id(html, "summary-heading", tag="h2") or "Nancy Meehan" in html
    assert "13 July 2021" in html


def test_report_defaults_to_the_most_recent_plan_and_can_choose_another(signed_in, plan):
    older = PlanFactory(slug="older", title="The 2016 tracker", report_date=datetime.date(2016, 9, 20))
    assert "<h1>Torbay highlight report</h1>" in get_report(signed_in)
    assert "<h1>The 2016 tracker</h1>" in get_report(signed_in, plan=older.slug)


def test_unknown_plan_is_not_found(signed_in, plan):
    assert signed_in.get(reverse("report"), {"plan": "no-such-plan"}).status_code == 404


def test_reporting_quarter_defaults_to_the_quarter_the_report_covers(signed_in, plan, head_of_service):
    # Dated 13 July 2021 (Q2) but its narratives are for Q1: the report covers Q1 2021/22.
    action = KeyAction.objects.filter(objective__theme__plan=plan).first()
    ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1)
    assert "Reporting quarter <strong>Q1 2021/22</strong>" in get_report(signed_in)
    assert "Reporting quarter <strong>Q3 2021/22</strong>" in get_report(signed_in, year=2021, quarter=3)


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        pytest.param({"as_at": "13/07/2021"}, "could not be read", id="as_at not year-month-day"),
        pytest.param({"as_at": "2021-02-30"}, "could not be read", id="as_at no such day"),
        pytest.param({"as_at": "yesterday"}, "could not be read", id="as_at words"),
        pytest.param({"as_at": "2999-01-01"}, "is in the future", id="as_at in the future"),
        pytest.param({"quarter": "5"}, "reporting quarter could not be read", id="quarter out of range"),
        pytest.param({"year": "twenty"}, "reporting quarter could not be read", id="year unreadable"),
    ],
)
def test_bad_input_shows_a_clear_message_and_the_current_report(signed_in, plan, params, notice):
    html = get_report(signed_in, **params)
    notices = re.search(r'class="report-notices".*?</div>', html, re.S)
    assert notices
    assert notice in notices.group(0)
    assert "as it stands now" in html
    assert "theme-1-heading" in html


def test_as_at_before_the_plan_was_recorded_shows_it_as_first_recorded(signed_in, plan):
    html = get_report(signed_in, as_at="2000-01-01")
    first = timezone.localdate().strftime("%-d %B %Y")
    assert f"no record of this plan before {first}" in html
    assert f"as it stood at the end of <strong>{first}</strong>" in html


@pytest.mark.parametrize("role", ["sro", "head_of_service", "other_head_of_service", "performance_user", "admin_user_"])
def test_every_signed_in_role_can_read_the_report(client, plan, role, request):
    sign_in(client, request.getfixturevalue(role))
    assert client.get(reverse("report")).status_code == 200


def test_signed_out_visitor_is_sent_to_sign_in(client, plan):
    for name in ("report", "report_pdf", "report_docx"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_owner_sees_update_buttons_but_not_as_at_a_date(client, plan, head_of_service):
    client.force_login(head_of_service)
    assert "Update<span" in get_report(client)
    assert "Update<span" not in get_report(client, as_at=timezone.localdate().isoformat())


# As at a date -------------------------------------------------------------------------------------


def test_as_at_shows_rag_and_narrative_as_they_were(signed_in, plan, head_of_service):
    action = KeyAction.objects.filter(objective__theme__plan=plan).first()
    common = {"user": head_of_service, "key_action": action, "financial_year": 2021, "quarter": 1}
    why = {"barriers": "Two posts vacant.", "next_steps": "Recruit."}
    services.key_action_update_add(
        **common, expected_version=action.version, rag=Rag.AMBER, progress="Old news.", **why
    )
    backdate_history(JUNE_1)
    action.refresh_from_db()
    services.key_action_update_add(
        **common, expected_version=action.version, rag=Rag.RED, progress="Fresh news.", **why
    )

    then = element_by_id(get_report(signed_in, year=2021, quarter=1, as_at="2021-06-30"), f"action-{action.pk}")
    assert "Old news." in then
    assert "Fresh news." not in then
    assert "rag-amber" in then
    assert "rag-red" not in then
    now = element_by_id(get_report(signed_in, year=2021, quarter=1), f"action-{action.pk}")
    assert "Fresh news." in now
    assert "rag-red" in now


def test_as_at_shows_plan_and_theme_fields_as_they_were(signed_in, plan):
    backdate_history(JUNE_1)
    plan.overall_status = Rag.RED
    plan.overall_narrative = "<p>Everything changed.</p>"
    plan.full_clean()
    plan.save()
    theme = plan.themes.get(number=1)
    theme.overview_rag = Rag.GREEN
    theme.full_clean()
    theme.save()

    then = get_report(signed_in, as_at="2021-06-30")
    assert "rag-amber" in re.search(r'class="report-overall-status">(.*?)</dd>', then, re.S).group(1)
    assert "Everything changed." not in then
    assert "rag-amber" in re.search(r'id="theme-1".*?class="theme-rag">(.*?)</p>', then, re.S).group(1)
    now = get_report(signed_in)
    assert "rag-red" in re.search(r'class="report-overall-status">(.*?)</dd>', now, re.S).group(1)
    assert "rag-green" in re.search(r'id="theme-1".*?class="theme-rag">(.*?)</p>', now, re.S).group(1)


def test_as_at_shows_risk_scores_as_they_were(signed_in, plan, sro):
    risk = risk_services.risk_create(
        user=None, plan=plan, ref=5, description="If the pace is slow, then measures.", owner=sro,
        date_raised=datetime.date(2020, 1, 1), probability=3, impact=4, recorded_at=moment(JUNE_1),
    )  # fmt: skip
    backdate_history(JUNE_1)
    risk_services.risk_update(user=None, risk=risk, probability=5, impact=5)

    then = text_of(element_by_id(get_report(signed_in, as_at="2021-06-30"), "risk-5"))
    assert " 3 4 12 " in then
    now = text_of(element_by_id(get_report(signed_in), "risk-5"))
    assert " 5 5 25 " in now


def test_as_at_shows_kpi_values_as_they_were(signed_in, plan):
    theme = plan.themes.get(number=1)
    measure, _ = kpi_services.measure_update_or_create(
        plan=plan, theme=theme, ref="2.15", title="% of assessments within 45 days",
        unit=Unit.PERCENTAGE, polarity=Polarity.HIGHER_IS_BETTER,
    )  # fmt: skip
    kpi_services.measure_value_set(measure=measure, month=datetime.date(2021, 5, 1), value=81)
    backdate_history(JUNE_1)
    kpi_services.measure_value_set(measure=measure, month=datetime.date(2021, 5, 1), value=93)

    assert "81%" in element_by_id(get_report(signed_in, as_at="2021-06-30"), f"measure-{measure.pk}")
    assert "93%" in element_by_id(get_report(signed_in), f"measure-{measure.pk}")


def test_as_at_leaves_out_what_was_added_later(signed_in, plan, head_of_service):
    backdate_history(JUNE_1)
    later = KeyActionFactory(objective=plan.themes.get(number=1).objectives.first(), owner=head_of_service)
    assert f'id="action-{later.pk}"' not in get_report(signed_in, as_at="2021-06-30")
    assert f'id="action-{later.pk}"' in get_report(signed_in)


# At a glance --------------------------------------------------------------------------------------


def test_at_a_glance_counts_key_actions_by_rag_and_change_from_last_quarter(signed_in, plan, head_of_service):
    objective = plan.themes.get(number=1).objectives.first()
    reds = [KeyActionFactory(objective=objective, owner=head_of_service) for _ in range(2)]
    for action in reds:
        QuarterRagFactory(key_action=action, financial_year=2021, quarter=1, rag=Rag.RED)
    QuarterRagFactory(key_action=reds[0], financial_year=2020, quarter=4, rag=Rag.GREEN)

    html = get_report(signed_in, year=2021, quarter=1)
    red_row = text_of(re.search(r"<tr>\s*<th scope=\"row\"><span class=\"rag rag-red\">.*?</tr>", html, re.S).group(0))
    assert "Red 2 key actions Red 0 +2" in red_row
    green_row = text_of(
        re.search(r"<tr>\s*<th scope=\"row\"><span class=\"rag rag-green\">.*?</tr>", html, re.S).group(0)
    )
    assert "Green 0 1 -1" in green_row
    assert 'href="#glance-rag-red"' in html
    red_list = element_by_id(html, "glance-rag-red", tag="ul")
    for action in reds:
        assert f'href="#action-{action.pk}"' in red_list
        assert f'id="action-{action.pk}"' in html


def test_at_a_glance_lists_measures_off_target_with_links(signed_in, plan):
    theme = plan.themes.get(number=1)
    measure, _ = kpi_services.measure_update_or_create(
        plan=plan, theme=theme, ref="2.1", title="% of contacts completed within 1 day",
        unit=Unit.PERCENTAGE, polarity=Polarity.HIGHER_IS_BETTER,
    )  # fmt: skip
    kpi_services.measure_year_set(measure=measure, financial_year=2021, target_min=98, target_upper=100)
    kpi_services.measure_value_set(measure=measure, month=datetime.date(2021, 5, 1), value=96)
    on_target, _ = kpi_services.measure_update_or_create(
        plan=plan, theme=theme, ref="2.2", title="MASH contacts", unit=Unit.PERCENTAGE,
        polarity=Polarity.HIGHER_IS_BETTER,
    )  # fmt: skip
    kpi_services.measure_year_set(measure=on_target, financial_year=2021, target_min=90, target_upper=100)
    kpi_services.measure_value_set(measure=on_target, month=datetime.date(2021, 5, 1), value=93)

    html = get_report(signed_in)
    assert re.search(r'href="#glance-measures">1<', html)
    listed = element_by_id(html, "glance-measures", tag="ul")
    assert f'href="#measure-{measure.pk}"' in listed
    assert f'href="#measure-{on_target.pk}"' not in listed
    assert f'id="measure-{measure.pk}"' in html


def test_at_a_glance_counts_open_high_scoring_risks_and_links_to_them(signed_in, plan, sro):
    for ref, (probability, impact, status) in enumerate(
        [(5, 5, "open"), (4, 4, "open"), (2, 2, "open"), (5, 4, "closed")], start=1
    ):
        risk_services.risk_create(
            user=None, plan=plan, ref=ref, description=f"Risk {ref}", owner=sro, status=status,
            date_raised=datetime.date(2020, 1, 1), probability=probability, impact=impact,
        )  # fmt: skip
    html = get_report(signed_in)
    assert "Risk (closed)" in text_of(element_by_id(html, "risk-4"))
    assert re.search(r'href="#glance-risks">2<', html)
    assert f"{reverse('risks:risk_list')}?band=high&amp;status=open&amp;plan=torbay" in html
    listed = element_by_id(html, "glance-risks", tag="ul")
    assert 'href="#risk-1"' in listed
    assert 'href="#risk-2"' in listed
    assert 'href="#risk-3"' not in listed
    assert 'href="#risk-4"' not in listed


def test_at_a_glance_lists_actions_not_updated_this_quarter_by_owner(signed_in, plan, head_of_service):
    actions = list(KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk"))
    ActionUpdateFactory(key_action=actions[0], financial_year=2021, quarter=1)
    ActionUpdateFactory(
        key_action=actions[1], financial_year=2020, quarter=4, created_at=moment(datetime.date(2021, 3, 1))
    )

    html = get_report(signed_in, year=2021, quarter=1)
    assert re.search(r'href="#glance-not-updated">1<', html)
    listed = element_by_id(html, "glance-not-updated", tag="dl")
    assert "Becky Thompson (1)" in listed
    assert f'href="#action-{actions[1].pk}"' in listed
    assert "last updated 1 March 2021" in listed
    assert f'href="#action-{actions[0].pk}"' not in listed


# Accessibility basics ------------------------------------------------------------------------------


def test_tables_have_scoped_headers_and_rag_is_always_a_word(signed_in, plan):
    QuarterRagFactory(key_action=KeyAction.objects.first(), financial_year=2021, quarter=1, rag=Rag.RED)
    html = get_report(signed_in, year=2021, quarter=1)
    assert "<th>" not in html
    assert "<th class" not in html
    for badge in re.findall(r'<span class="rag rag-(\w+)">([^<]*)</span>', html):
        assert badge[1] in {"Red", "Amber", "Green", "Not set"}
    levels = [int(level) for level in re.findall(r"<h(\d)", html)]
    assert levels[:2] == [1, 2]
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels)), "a heading level is skipped"
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert f'id="{label_for}"' in html


# The PDF -----------------------------------------------------------------------------------------


def test_pdf_is_a_pdf_file_of_the_same_report_with_no_scripts(signed_in, plan, monkeypatch):
    from report import pdf

    rendered = []
    real = pdf.html_to_pdf

    def keep_html(*, html, base_url):
        rendered.append(html)
        return real(html=html, base_url=base_url)

    monkeypatch.setattr(pdf, "html_to_pdf", keep_html)
    response = signed_in.get(reverse("report_pdf"), {"plan": "torbay"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.getvalue().startswith(b"%PDF")
    assert b"/JavaScript" not in response.getvalue()
    assert response["Content-Disposition"] == 'attachment; filename="highlight-report-torbay-2021-07-13.pdf"'
    (html,) = rendered
    assert "<script" not in html
    assert h2_ids(html)[:2] == ["summary-heading", "glance-heading"]
    assert "Theme title 2" in html


@pytest.mark.parametrize(("marking", "shown"), [("OFFICIAL", True), ("", False)])
def test_the_protective_marking_heads_every_page_when_set(signed_in, plan, settings, marking, shown):
    import subprocess

    settings.PROTECTIVE_MARKING = marking
    response = signed_in.get(reverse("report_pdf"), {"plan": "torbay"})
    text = subprocess.run(["pdftotext", "-", "-"], input=response.getvalue(), capture_output=True, check=True).stdout
    pages = text.decode().split("\f")[:-1]
    assert pages
    assert all(("OFFICIAL" in page) is shown for page in pages)


def test_pdf_as_at_a_date_is_named_by_that_date(signed_in, plan):
    today = timezone.localdate()
    response = signed_in.get(reverse("report_pdf"), {"plan": "torbay", "as_at": today.isoformat()})
    assert response.getvalue().startswith(b"%PDF")
    assert f"highlight-report-torbay-{today:%Y-%m-%d}.pdf" in response["Content-Disposition"]


def test_pdf_fetches_only_static_files():
    from report.pdf import StaticFilesFetcher

    fetcher = StaticFilesFetcher()
    assert fetcher.fetch("http://testserver/static/css/report.css").read().startswith(b"/*")
    with pytest.raises(ValueError, match="only the application's static files"):
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ValueError, match="only the application's static files"):
        fetcher.fetch("file:///etc/passwd")


def test_messages_are_full_sentences():
    for message in (
        report_views.AS_AT_UNREADABLE_MESSAGE,
        report_views.AS_AT_FUTURE_MESSAGE,
        report_views.QUARTER_UNREADABLE_MESSAGE,
    ):
        assert message.endswith(".")


def test_report_links_to_the_pdf_of_the_same_plan_quarter_and_date(signed_in, plan):
    html = get_report(signed_in, year=2021, quarter=2, as_at=timezone.localdate().isoformat())
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Download PDF', html).group(1).replace("&amp;", "&")
    assert link == f"{reverse('report_pdf')}?plan=torbay&year=2021&quarter=2&as_at={timezone.localdate():%Y-%m-%d}"
    assert signed_in.get(link)["Content-Type"] == "application/pdf"


def test_plan_without_a_report_date_reports_on_the_quarter_before_todays(signed_in):
    # As a dated plan reports on the quarter before its report date's, an undated one reports on the
    # quarter before today's: the last one finished.
    PlanFactory(slug="undated", title="Undated plan", report_date=None)
    html = get_report(signed_in, plan="undated")
    label = current_quarter().previous.label
    assert f"Reporting quarter <strong>{label}</strong>" in html


# The reporting quarter and each quarter's narrative ---------------------------------------------


def test_reporting_quarter_set_on_the_plan_is_the_reports_default(signed_in, plan):
    plan.reporting_year, plan.reporting_quarter = 2020, 4
    plan.save()
    assert "Reporting quarter <strong>Q4 2020/21</strong>" in get_report(signed_in)


def _first_action(plan):
    return KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk").first()


def test_a_past_quarters_report_shows_that_quarters_narrative_not_the_newer_one(signed_in, plan):
    action = _first_action(plan)
    ActionUpdateFactory(key_action=action, financial_year=2020, quarter=4, progress="Winter words.")
    ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1, progress="Spring words.")

    past = element_by_id(get_report(signed_in, year=2020, quarter=4), f"action-{action.pk}")
    assert "Winter words." in past
    assert "Spring words." not in past
    assert "No update for" not in past
    now = element_by_id(get_report(signed_in, year=2021, quarter=1), f"action-{action.pk}")
    assert "Spring words." in now
    assert "Winter words." not in now


def test_a_late_update_for_an_earlier_quarter_does_not_replace_this_quarters(signed_in, plan):
    action = _first_action(plan)
    ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1, progress="Spring words.")
    ActionUpdateFactory(key_action=action, financial_year=2020, quarter=4, progress="Winter words written late.")
    row = element_by_id(get_report(signed_in, year=2021, quarter=1), f"action-{action.pk}")
    assert "Spring words." in row
    assert "Winter words written late." not in row


def test_a_past_quarters_report_as_at_a_date_shows_that_quarters_narrative_as_it_was(signed_in, plan):
    action = _first_action(plan)
    ActionUpdateFactory(key_action=action, financial_year=2020, quarter=4, progress="First Q4 words.")
    backdate_history(JUNE_1)
    ActionUpdateFactory(key_action=action, financial_year=2020, quarter=4, progress="Second Q4 words.")
    ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1, progress="Spring words.")

    then = element_by_id(get_report(signed_in, year=2020, quarter=4, as_at="2021-06-30"), f"action-{action.pk}")
    assert "First Q4 words." in then
    assert "Second Q4 words." not in then
    assert "Spring words." not in then
    now = element_by_id(get_report(signed_in, year=2020, quarter=4), f"action-{action.pk}")
    assert "Second Q4 words." in now
    assert "Spring words." not in now


def test_a_quarter_without_an_update_says_so_and_marks_the_earlier_one(signed_in, plan):
    action = _first_action(plan)
    ActionUpdateFactory(key_action=action, financial_year=2020, quarter=3, progress="Autumn words.")
    ActionUpdateFactory(key_action=action, financial_year=2021, quarter=1, progress="Spring words.")

    html = get_report(signed_in, year=2020, quarter=4)
    row = element_by_id(html, f"action-{action.pk}")
    assert "No update for Q4 2020/21." in row
    assert "The latest earlier update, for Q3 2020/21:" in row
    assert "Autumn words." in row
    assert "Spring words." not in row
    other = KeyAction.objects.filter(objective__theme__plan=plan).exclude(pk=action.pk).first()
    assert "No update for Q4 2020/21." in element_by_id(html, f"action-{other.pk}")


def test_not_updated_this_quarter_agrees_with_the_narrative_shown(signed_in, plan):
    # Only a later quarter's words: for Q4 2020/21 the action was not updated, however recent they are.
    actions = list(KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk"))
    ActionUpdateFactory(key_action=actions[0], financial_year=2021, quarter=1, progress="Spring words.")
    ActionUpdateFactory(key_action=actions[1], financial_year=2020, quarter=4, progress="Winter words.")
    html = get_report(signed_in, year=2020, quarter=4)
    assert re.search(r'href="#glance-not-updated">1<', html)
    listed = element_by_id(html, "glance-not-updated", tag="dl")
    assert f'href="#action-{actions[0].pk}"' in listed
    assert "never updated" in listed
    assert f'href="#action-{actions[1].pk}"' not in listed


@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(3, id="three times Torbay")])
@pytest.mark.parametrize("as_at", [pytest.param(False, id="now"), pytest.param(True, id="as at today")])
def test_a_past_quarters_report_runs_a_fixed_number_of_queries(client, sro, scale, as_at, django_assert_num_queries):
    from tests.report.builders import build_plan
    from tests.report.test_report_queries import REPORT_AS_AT_QUERIES, REPORT_QUERIES

    plan = build_plan(slug="sized", scale=scale)
    for action in KeyAction.objects.filter(objective__theme__plan=plan)[: 5 * scale]:
        ActionUpdateFactory(key_action=action, financial_year=2020, quarter=4)
    client.force_login(sro)
    params = {"year": 2020, "quarter": 4, **({"as_at": timezone.localdate().isoformat()} if as_at else {})}
    with django_assert_num_queries(REPORT_AS_AT_QUERIES if as_at else REPORT_QUERIES):
        response = client.get(reverse("report"), params)
    assert response.status_code == 200
    assert response.content.count(b"No update for Q4 2020/21.") == 64 * scale - 5 * scale


def test_the_panels_go_in_their_place_once_and_a_title_cannot_take_it(signed_in, plan):
    # The panels are put into the rendered page after the template (report.views.PANELS_PLACE): after the toolbar
    # and the status line, inside the report, once; the same text in a title is escaped, never a place for them.
    Plan.objects.filter(pk=plan.pk).update(title=f"{report_views.PANELS_PLACE} Torbay")
    html = get_report(signed_in)
    assert report_views.PANELS_PLACE not in html
    assert html.count('id="glance-heading"') == 1
    assert html.count('id="changes-heading"') == 1
    assert "&lt;!--report-panels--&gt; Torbay</h1>" in html
    report = html.index('<div class="report">')
    assert report < html.index('class="report-downloads"') < html.index('id="glance-heading"')
    assert html.index('id="glance-heading"') < html.index("</main>")

"""The report on Torbay's real data (seed 000, loaded by setup_demo): its figures are on the page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kpis.models import Measure
from plans.models import Plan
from tests.report.helpers import element_by_id, h2_ids, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_html(demo, client, sro):
    client.force_login(sro)
    response = client.get(reverse("report"))
    assert response.status_code == 200
    return response.content.decode()


def test_opens_on_torbays_july_2021_highlight_report(report_html):
    summary = text_of(report_html)
    assert "Senior Responsible Officer Nancy Meehan" in summary
    assert "Date of report 13 July 2021" in summary
    status = re.search(r'class="report-overall-status">(.*?)</dd>', report_html, re.S).group(1)
    assert '<span class="rag rag-amber">Amber</span>' in status
    # The demo opens the Q2 2021/22 reporting round (plans.demo.round_load), so the report is on its quarter.
    assert "Reporting quarter <strong>Q2 2021/22</strong>" in report_html


def test_every_section_of_seed_000_in_its_order(report_html):
    assert h2_ids(report_html) == [
        "summary-heading",
        "glance-heading",
        "changes-heading",
        "overall-heading",
        "priorities-heading",
        "medium-heading",
        "risks-heading",
        "guidance-heading",
        "theme-1-heading",
        "theme-2-heading",
        "theme-3-heading",
        "theme-4-heading",
    ]
    text = text_of(report_html)
    for title in (
        "Theme One: Leadership, Management and Governance",
        "Theme Two: A robust model of social work practice",
        "Theme Three: Sufficient and skilled workforce",
        "Theme Four: Quality assurance and audit",
    ):
        assert title in text


def test_key_priority_medium_term_and_guidance_text(report_html):
    priority = text_of(element_by_id(report_html, "priority-1"))
    assert "Edge of Care - Edge of Care services to be developed and strengthened to full capacity" in priority
    assert "Becky Thompson" in priority
    assert "Review November 2021" in priority
    assert "Social Work Model - complete the training in restorative practice" in report_html
    assert "Activity on track and delivering expected outcomes" in report_html


def test_risk_register_with_scores(report_html):
    risk_5 = text_of(element_by_id(report_html, "risk-5"))
    assert (
        "requirements for &#x27;good&#x27; by April 2021" in risk_5 or "requirements for 'good' by April 2021" in risk_5
    )
    assert " 5 5 25 " in risk_5
    assert " 4 5 20 " in text_of(element_by_id(report_html, "risk-1"))
    assert " 2 2 4 " in text_of(element_by_id(report_html, "risk-7"))
    assert len(re.findall(r'<tr id="risk-\d+"', report_html)) == 10


@pytest.fixture
def every_month_html(demo, client, sro):
    client.force_login(sro)
    response = client.get(reverse("report"), {"months": "all"})
    assert response.status_code == 200
    return response.content.decode()


def kpi_head_months(html: str, theme_number: int) -> list[str]:
    """Return the month headings of a theme's KPI table, in order."""
    section = re.search(rf'id="theme-{theme_number}-heading".*?</thead>', html, re.S).group(0)
    return re.findall(r'<th scope="col">([A-Z][a-z]{2} \d\d)</th>', section)


def test_kpi_tables_show_the_reporting_years_months_and_earlier_months_a_click_away(report_html, client):
    # The July 2021 report is for Q1 2021/22: its year's months so far are April and May 2021.
    assert kpi_head_months(report_html, 1) == ["Apr 21", "May 21"]
    link = re.search(r'<a href="\?([^"]+)#theme-1-measures">Show the 9 earlier months', report_html)
    assert link, "the table says how many earlier months it leaves out, with a link to them"
    response = client.get(reverse("report") + "?" + link.group(1).replace("&amp;", "&"))
    every = response.content.decode()
    assert kpi_head_months(every, 1)[:3] == ["Jul 20", "Aug 20", "Sep 20"]
    assert kpi_head_months(every, 1)[-1] == "May 21"
    assert "Show only 2021/22" in every


def test_a_past_years_report_shows_that_years_months(demo, client, sro):
    client.force_login(sro)
    html = client.get(reverse("report"), {"year": 2020, "quarter": 4}).content.decode()
    months = kpi_head_months(html, 1)
    assert months[0] == "Jul 20"  # the first month with figures in 2020/21
    assert months[-1] == "Mar 21"
    assert "Apr 21" not in months
    # The year figures are that year's too: the year before's final outturn and 2020/21's year to date.
    head = re.search(r'id="theme-1-heading".*?</thead>', html, re.S).group(0)
    assert "Final 2019/20" in head
    assert "Year to date 2020/21" in head


def test_the_word_paper_shows_every_month(demo, client, sro):
    import io

    import docx

    client.force_login(sro)
    response = client.get(reverse("report_docx"))
    document = docx.Document(io.BytesIO(response.getvalue()))
    headings = {cell.text for table in document.tables for row in table.rows[:2] for cell in row.cells}
    assert {"Jul 20", "Mar 21", "May 21"} <= headings


def test_kpi_figures_with_rag_targets_and_benchmarks(every_month_html):
    report_html = every_month_html
    plan = Plan.objects.get(slug="torbay-2021-highlight")
    measure = Measure.objects.get(plan=plan, ref="2.15")
    row = element_by_id(report_html, f"measure-{measure.pk}")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    # After the title, the 2019/20 outturn and the period, the first month is Jul 20: 84%.
    assert '<span class="figure">84%</span>' in cells[3]
    assert "<title>" in row  # the sparkline names itself
    text = text_of(row)
    assert "75%" in text  # 2019/20
    assert "85%" in text  # target Min
    assert "95%" in text  # target Upper
    assert "↓" in text  # the trend as reported


def test_theme_narratives_and_key_action_narratives(report_html):
    assert "The most recent monitoring visit (4th Visit) of January 2020" in report_html
    assert "LNA meetings diarised and will be complete by the end of July." in report_html


def _theme_section(html: str, number: int) -> str:
    """Return the report's HTML from theme `number`'s section to the next theme's (or the end)."""
    start = html.index(f'id="theme-{number}"')
    end = html.find(f'id="theme-{number + 1}"', start)
    return html[start : end if end != -1 else len(html)]


def test_theme_4_has_the_objective_on_learning_from_complaints_with_its_action_and_narrative(report_html):
    theme_4 = text_of(_theme_section(report_html, 4))
    assert (
        "Improve the effectiveness of learning from complaints through a process of systematic scrutiny that "
        "contributes to improved social work practice and better outcomes for children."
    ) in theme_4
    assert (
        "Weekly updates to be provided at the Heads of Service meeting with timescale slippage to be escalated "
        "to the Director or a nominated deputy."
    ) in theme_4
    assert "Meeting booked with Ben Simpson to take this forwards" in theme_4
    assert "discuss training need to prevent escaltion up the levels." in theme_4


def test_measure_4_1s_scoring_key_is_printed_above_the_audit_scores_it_defines(report_html):
    plan = Plan.objects.get(slug="torbay-2021-highlight")
    theme_4 = _theme_section(report_html, 4)
    key_at = theme_4.index('class="kpi-scoring-key"')
    key_row = Measure.objects.get(plan=plan, ref="4.1").pk
    first_score = Measure.objects.get(plan=plan, ref="4.3").pk
    assert theme_4.index(f'id="measure-{key_row}"') < key_at < theme_4.index(f'id="measure-{first_score}"')
    assert (
        "The scoring system is: Exceeds good = 1; Meets good = 2; Does not meet good = 3; Not applicable = 4"
        in text_of(theme_4[key_at : theme_4.index("</tr>", key_at)])
    )


def test_the_seeds_table_footnotes_are_printed_once_under_their_table(report_html):
    theme_4, theme_2 = _theme_section(report_html, 4), _theme_section(report_html, 2)
    assert theme_4.count("N/As excluded from denominator.") == 1
    assert theme_4.index("N/As excluded from denominator.") > theme_4.index("</table>")
    assert theme_2.count("* Rate per 10,000 population aged 0 to 17") == 1
    # The data checks keep the seed's own paragraph for theme 4 and no longer repeat the footnote.
    assert "only 180 have recorded scores" in theme_4


def test_a_data_note_the_seed_writes_once_for_several_measures_is_shown_once(report_html):
    theme_1 = _theme_section(report_html, 1)
    assert theme_1.count("This dataset remains problematic") == 1
    notes = theme_1[theme_1.index('<dl class="data-notes">') :]
    for ref in ("1.8a", "1.8b", "1.8c", "1.8d", "1.8e"):
        assert f"<dt>{ref} " in notes


def _measure_row(html: str, ref: str) -> str:
    measure = Measure.objects.get(plan__slug="torbay-2021-highlight", ref=ref)
    return element_by_id(html, f"measure-{measure.pk}")


def test_a_reported_trend_the_figures_contradict_is_flagged_not_shown_beside_an_arrow(report_html):
    # 4.2: the seed reports ↔ while May 21 (13) is up on April 21 (6).
    trend = text_of(re.search(r'<td class="trend">(.*?)</td>', _measure_row(report_html, "4.2"), re.S).group(1))
    assert " ".join(trend.split()) == "↔ No change vs Apr 21: up Check: not as reported"
    # 1.1: reported ↑, and May 21 (13.0%) is up on April 21 (11.6%), worse for a lower-is-better measure.
    trend = text_of(re.search(r'<td class="trend">(.*?)</td>', _measure_row(report_html, "1.1"), re.S).group(1))
    assert " ".join(trend.split()) == "↑ Up vs Apr 21: up, worse"


def test_a_target_given_in_words_is_said_once_across_min_and_upper(report_html):
    placements = _measure_row(report_html, "1.1")
    assert placements.count("TBC") == 1
    assert '<td colspan="2" class="target-both text-center">TBC</td>' in placements
    assessments = _measure_row(report_html, "2.15")
    assert "<td>85%</td><td>95%</td>" in assessments
    plan_on_time = _measure_row(report_html, "2.18")  # Upper 100%, Min "Min N/A"
    assert "<td>Min N/A</td><td>100%</td>" in plan_on_time


def test_theme_2s_overview_rag_carries_a_note_that_its_narrative_says_red(report_html):
    theme_2 = _theme_section(report_html, 2)
    overview_rag = theme_2[theme_2.index('class="theme-overview-rag"') : theme_2.index("Performance measures")]
    assert '<span class="rag rag-amber">Amber</span>' in overview_rag  # the seed's value is kept
    assert "The narrative says Red; the RAG set is Amber. Check which is right." in " ".join(
        text_of(overview_rag).split()
    )
    # Themes 1 and 4 say the rating they set ("overall rating of 'Amber'", "rated 'amber'"); theme 3 says none.
    for number in (1, 3, 4):
        assert "theme-rag-check" not in _theme_section(report_html, number)


def test_the_pdf_leaves_the_rag_check_to_the_screen(demo):
    from plans.models import Plan
    from plans.selectors import plan_reporting_quarter
    from report.paper_files import PaperChoice, paper_html

    plan = Plan.objects.get(slug="torbay-2021-highlight")
    html = paper_html(PaperChoice(plan=plan, quarter=plan_reporting_quarter(plan)))
    assert "rated &#x27;red&#x27;" in html or "rated 'red'" in html
    assert "theme-rag-check" not in html


def test_a_long_narrative_is_cut_on_the_report_and_whole_on_the_action_page(report_html, client):
    from plans.models import ActionUpdate

    update = ActionUpdate.objects.get(progress__contains="Learning Academy has undertaken a dip sample")
    assert update.is_long, "the seed's narrative on supervision dip sampling is long"
    ending = "Dip sampling templates have been produced"  # words beyond the first 40 of its progress
    row = element_by_id(report_html, f"action-{update.key_action_id}")
    assert "Learning Academy has undertaken a dip sample" in row
    assert ending not in row
    link = re.search(r'<a href="([^"]+)">Read the whole update', row)
    assert link, "the cut narrative links to the whole update"
    assert link.group(1) == reverse("plans:action_detail", kwargs={"pk": update.key_action_id}) + f"#update-{update.pk}"

    action_page = client.get(link.group(1).split("#")[0]).content.decode()
    assert f'id="update-{update.pk}"' in action_page
    assert ending in action_page


def test_a_short_narrative_is_shown_whole_on_the_report(report_html):
    from plans.models import ActionUpdate

    update = ActionUpdate.objects.get(progress__contains="LNA meetings diarised")
    assert not update.is_long
    row = element_by_id(report_html, f"action-{update.key_action_id}")
    assert "Read the whole update" not in row

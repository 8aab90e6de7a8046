"""What changed since the last board (issue 10): the comparison of a paper's snapshot with the live data, the
report's section after at a glance, the same section frozen in a published paper (its HTML and Word file), the
previous-paper rule, the demo, the section's cached part and the report's queries."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
from decimal import Decimal

import docx
import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from core.calendar import FinancialQuarter
from kpis.models import Measure, MeasureValue
from plans.models import KeyAction, KeyPriority, Plan
from report import cache as report_cache
from report import publishing
from report.changes import NO_EARLIER_PAPER_MESSAGE, board_changes, board_changes_for_plans, previous_paper_get
from report.models import PublishedPaper
from report.snapshots import board_snapshot
from risks import services as risk_services
from risks.models import Risk, RiskStatus
from tests.factories import KeyActionFactory
from tests.plans.test_rounds import open_round
from tests.plans.test_rounds import submit as save_update
from tests.report.builders import build_plan, earlier_paper
from tests.report.helpers import h2_ids, text_of
from tests.report.test_report_queries import REPORT_QUERIES

pytestmark = pytest.mark.django_db

NO_EARLIER_PAPER = escape(NO_EARLIER_PAPER_MESSAGE)  # as the page writes it
Q4_2020, Q1, Q2 = FinancialQuarter(2020, 4), FinancialQuarter(2021, 1), FinancialQuarter(2021, 2)


# The comparison, on snapshots -------------------------------------------------------------------


def _snapshot(quarter: FinancialQuarter, *, actions=(), measures=(), risks=()) -> dict:
    return {
        "plan": {"id": 1, "slug": "p", "title": "P"},
        "quarter": {"financial_year": quarter.financial_year, "quarter": quarter.quarter, "label": quarter.label},
        "actions": list(actions),
        "measures": list(measures),
        "risks": list(risks),
    }


def _action(pk: int, rag: str, *, updated: FinancialQuarter | None = None, owner: str = "Becky Thompson") -> dict:
    update = {"quarter": updated.label} if updated else None
    return {"id": pk, "description": f"Action {pk}", "owner": owner, "rags": [], "rag": rag, "update": update}


def _measure(pk: int, rag: str) -> dict:
    return {
        "id": pk,
        "ref": f"1.{pk}",
        "title": f"Measure {pk}",
        "latest": {"month": "2021-06-01", "display": "90%", "rag": rag},
    }


def _risk(pk: int, score: int, status: str = RiskStatus.OPEN) -> dict:
    return {"id": pk, "ref": pk, "description": f"If risk {pk}", "score": score, "target_score": None, "status": status}


def test_the_comparison_lists_each_kind_of_change_and_nothing_else():
    before = _snapshot(
        Q1,
        actions=[_action(1, "green", updated=Q1), _action(2, "amber", updated=Q1), _action(3, "red", updated=Q1),
                 _action(4, "green", updated=Q1), _action(9, "amber", updated=Q1)],
        measures=[_measure(1, "red"), _measure(2, "green"), _measure(3, "amber")],
        risks=[_risk(1, 12), _risk(2, 16), _risk(3, 9), _risk(4, 4, RiskStatus.CLOSED), _risk(5, 6)],
    )  # fmt: skip
    after = _snapshot(
        Q2,
        actions=[_action(1, "amber", updated=Q2), _action(2, "red", updated=Q2), _action(3, "red", updated=Q2),
                 _action(4, "", updated=Q1), _action(5, "red", owner="")],
        measures=[_measure(1, "green"), _measure(2, "green"), _measure(3, ""), _measure(4, "red")],
        risks=[_risk(1, 16), _risk(2, 16, RiskStatus.CLOSED), _risk(3, 9), _risk(4, 4, RiskStatus.CLOSED),
               _risk(6, 20)],
    )  # fmt: skip
    changes = board_changes(before, after)
    assert [(a.id, a.rag_from, a.rag_to) for a in changes.rag_changes] == [(1, "green", "amber"), (2, "amber", "red")]
    # Red now and not before, an action new since included; 3 was Red already.
    assert [(a.id, a.new) for a in changes.new_reds] == [(2, False), (5, True)]
    # A quarter's RAG not given yet (4) is no change; 4 and 5 have no Q2 update.
    assert [a.id for a in changes.not_updated] == [4, 5]
    assert [(g.owner, [a.id for a in g.actions]) for g in changes.not_updated_by_owner] == [
        ("Becky Thompson", [4]),
        ("No owner", [5]),
    ]
    assert [(m.ref, m.rag_from, m.rag_to, m.month) for m in changes.measures_moved] == [
        ("1.1", "red", "green", datetime.date(2021, 6, 1))
    ]
    assert [(r.ref, r.score_from, r.score_to) for r in changes.risks_rescored] == [(1, 12, 16)]
    assert [r.ref for r in changes.new_risks] == [6]
    # Closed since (2) or gone (5); 4 was closed already.
    assert [(r.ref, r.score_from) for r in changes.closed_risks] == [(2, 16), (5, 6)]
    assert [count for _, _, count in changes.counts] == [2, 2, 2, 1, 1, 1, 2]


def test_the_same_data_compared_with_itself_lists_only_what_is_not_updated():
    same = _snapshot(Q2, actions=[_action(1, "red", updated=Q2), _action(2, "green")], measures=[_measure(1, "red")])
    changes = board_changes(same, same)
    assert [count for _, _, count in changes.counts] == [0, 0, 1, 0, 0, 0, 0]  # 1 is Red, but was Red already
    assert [a.id for a in changes.not_updated] == [2]


# On the live report and in a published paper ----------------------------------------------------


@pytest.fixture
def plan(head_of_service):
    return build_plan(slug="changes", owner=head_of_service)


@pytest.fixture
def board(plan, sro):
    """The plan's Q1 2021/22 paper published (the last board) and its Q2 round open."""
    paper = publishing.paper_record(user=sro, plan=plan, quarter=Q1, board_date=datetime.date(2021, 7, 13))
    open_round(sro, plan)
    return paper


def _actions(plan) -> list[KeyAction]:
    return list(KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk"))


@pytest.fixture
def changed(board, plan, sro, head_of_service):
    """One of each kind of change since the Q1 paper; return what changed, by kind."""
    actions = _actions(plan)  # Q1 RAGs cycle Red, Amber, Green, Amber, Green (tests/report/builders.py)
    save_update(head_of_service, actions[0], rag="green", progress="Turned round.")  # Red → Green
    save_update(head_of_service, actions[1], rag="red", progress="Slipped.")  # Amber → Red: a new Red
    measure = Measure.objects.filter(plan=plan).order_by("pk").first()  # Red at May 2021's 80%
    MeasureValue.objects.create(measure=measure, month=datetime.date(2021, 6, 1), value=Decimal(99))
    risks = {risk.ref: risk for risk in Risk.objects.filter(plan=plan)}
    risk_services.risk_update(user=None, risk=risks[1], probability=1, impact=1)  # 6 → 1
    risk_services.risk_update(user=None, risk=risks[2], status=RiskStatus.CLOSED)
    new = risk_services.risk_create(
        user=None,
        plan=plan,
        ref=99,
        description="If the new risk happens, then harm.",
        owner=head_of_service,
        date_raised=datetime.date(2021, 8, 1),
        probability=4,
        impact=4,
    )
    return {"rag": actions[:2], "new_red": actions[1], "measure": measure, "risks": risks, "new_risk": new}


def words(html: str) -> str:
    """Return the HTML's text as read: no space before punctuation where a tag ended."""
    return re.sub(r"\s+([,.:;)])", r"\1", text_of(html))


def _section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="changes-heading".*?</section>', html, re.S)
    assert match, "The report has no 'since the last board' section."
    return match.group(0)


def _list(section: str, list_id: str) -> str:
    match = re.search(rf'<details[^>]*id="{list_id}"[^>]*>(.*?)</details>', section, re.S)
    assert match, f"The section has no list {list_id}."
    return match.group(1)


def _count(section: str, label: str) -> int:
    return int(re.search(rf'<span class="changes-count">(\d+)</span> {re.escape(label)}', section).group(1))


def _item(listing: str, pk: int) -> str:
    match = re.search(rf'<dd><a href="#action-{pk}">.*?</dd>', listing, re.S)
    assert match, f"Action {pk} is not in the list."
    return match.group(0)


def _badges(html: str) -> list[str]:
    return re.findall(r'<span class="rag rag-\w+">(\w[\w ]*)</span>', html)


def assert_each_kind_of_change(html: str, changed: dict) -> None:
    section = _section(html)
    first, second = changed["rag"]
    assert "Compared with" in section
    assert "the Q1 2021/22 paper (version 1)" in section
    rag = _list(section, "changes-rag")
    assert _badges(_item(rag, first.pk)) == ["Red", "Green"]  # every RAG with its word, from → to
    assert _badges(_item(rag, second.pk)) == ["Amber", "Red"]
    assert _count(section, "RAG changed") == 2
    reds = _list(section, "changes-new-red")
    assert _badges(_item(reds, second.pk)) == ["Amber", "Red"]
    assert f'href="#action-{first.pk}"' not in reds
    stale = _list(section, "changes-no-update")
    assert _count(section, "No Q2 2021/22 update") == 62  # 64 actions, two updated for Q2
    assert "<dt>Becky Thompson (62)</dt>" in stale
    assert f'href="#action-{first.pk}"' not in stale
    measures = words(_list(section, "changes-measures"))
    assert f"{changed['measure'].ref} {changed['measure'].title}" in measures
    assert "Red → to Green, 99% in Jun 2021" in measures
    rescored = words(_list(section, "changes-risks-rescored"))
    assert "Risk 1: score 6 → to 1 (Low). If risk 1 happens, then harm." in rescored
    assert "Risk 99: score 16 (High). If the new risk happens, then harm." in words(_list(section, "changes-risks-new"))
    closed = words(_list(section, "changes-risks-closed"))
    assert "Risk 2 (score" in closed
    assert "If risk 2 happens" in closed
    assert [_count(section, label) for label in ("Risks rescored", "New risks", "Risks closed")] == [1, 1, 1]


def _report(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse("report"), {"plan": "changes", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_report_lists_each_kind_of_change_since_the_last_board_after_at_a_glance(client, sro, changed):
    html = _report(client, sro)
    assert h2_ids(html)[1:3] == ["glance-heading", "changes-heading"]
    assert "Since the last board: Q2 2021/22" in html
    assert_each_kind_of_change(html, changed)


def test_the_report_as_at_a_date_compares_its_own_reads_with_the_papers_published_by_then(client, sro, changed):
    today = timezone.localdate().isoformat()
    assert_each_kind_of_change(_report(client, sro, as_at=today, year=2021, quarter=2), changed)


def _word_text(name: str) -> str:
    with default_storage.open(name, "rb") as stored:
        document = docx.Document(io.BytesIO(stored.read()))
    rows = [" | ".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    return "\n".join([p.text for p in document.paragraphs] + rows)


def test_a_paper_published_carries_the_section_in_its_html_and_word_file(sro, changed):
    paper = publishing.paper_publish(user=sro, plan=Plan.objects.get(slug="changes"), quarter=Q2)
    with default_storage.open(paper.html_file, "rb") as stored:
        html = stored.read().decode()
    assert_each_kind_of_change(html, changed)
    assert "/published/" not in _section(html)  # a paper names the last one without a link
    word = _word_text(paper.docx_file)
    assert "Since the last board: Q2 2021/22" in word
    assert "Compared with the Q1 2021/22 paper (version 1), published on" in word
    first, second = changed["rag"]
    assert "Becky Thompson | Key action Objective 1.0.0 | Red | Green" in word  # RAGs in words
    assert "Becky Thompson | Key action Objective 1.0.1 | Amber | Red" in word
    assert "Becky Thompson (62) | • Key action Objective 1.0.2" in word
    assert "RAG changed | 2" in word
    assert "No Q2 2021/22 update | 62" in word
    measure = changed["measure"]
    assert f"{measure.ref} | {measure.title} | Red | Green | 99% in Jun 2021" in word
    assert "1 | If risk 1 happens, then harm. |" in word
    assert "| 6 to 1 Low" in word
    assert "99 | If the new risk happens, then harm. | 16 High" in word
    assert "2 | If risk 2 happens, then harm. |" in word
    with default_storage.open(paper.docx_file, "rb") as stored:
        headings = [p.text for p in docx.Document(io.BytesIO(stored.read())).paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["Summary", "At a glance: Q2 2021/22", "Since the last board: Q2 2021/22"]


def test_a_published_papers_section_does_not_change_when_the_live_data_does(client, sro, head_of_service, changed):
    plan = Plan.objects.get(slug="changes")
    paper = publishing.paper_publish(user=sro, plan=plan, quarter=Q2)
    third = _actions(plan)[2]
    publishing.paper_reopen(user=sro, paper=paper, reason="A late update.")
    save_update(head_of_service, third, rag="red", progress="Late news.")
    client.force_login(sro)
    frozen = client.get(reverse("published:html", kwargs=paper.url_kwargs)).content.decode()
    assert _count(_section(frozen), "RAG changed") == 2
    assert f'href="#action-{third.pk}"' not in _list(_section(frozen), "changes-rag")
    live = _section(_report(client, sro, year=2021, quarter=2))
    assert _count(live, "RAG changed") == 3
    assert _badges(_item(_list(live, "changes-rag"), third.pk)) == ["Green", "Red"]


def test_with_no_earlier_paper_the_section_says_so_in_a_sentence(client, sro, plan):
    html = _report(client, sro)
    assert NO_EARLIER_PAPER.format(quarter="Q1 2021/22") in _section(html)
    assert "changes-counts" not in _section(html)


# Which paper is the last board's -----------------------------------------------------------------


def test_both_versions_of_a_quarter_compare_with_the_latest_version_of_the_quarter_before(sro, head_of_service):
    action = KeyActionFactory(owner=head_of_service, description="Embed triage", objective__theme__plan__slug="rule")
    plan = Plan.objects.get(slug="rule")
    q1_v1 = publishing.paper_record(user=sro, plan=plan, quarter=Q1, board_date=None)
    publishing.paper_reopen(user=sro, paper=q1_v1, reason="A correction.")
    q1_v2 = publishing.paper_record(user=sro, plan=plan, quarter=Q1, board_date=None)
    open_round(sro, plan)
    save_update(head_of_service, action, rag="amber", progress="Started.")
    q2_v1 = publishing.paper_publish(user=sro, plan=plan, quarter=Q2)
    publishing.paper_reopen(user=sro, paper=q2_v1, reason="A late update.")
    q2_v2 = publishing.paper_record(user=sro, plan=plan, quarter=Q2, board_date=None)
    assert previous_paper_get(plan=plan, quarter=Q2) == q1_v2
    assert previous_paper_get(plan=plan, quarter=Q1) is None
    assert previous_paper_get(plan=plan, quarter=FinancialQuarter(2021, 3)) == q2_v2
    for paper in (q2_v1, q2_v2):
        with default_storage.open(paper.html_file, "rb") as stored:
            section = _section(stored.read().decode())
        assert "Compared with the Q1 2021/22 paper (version 2)" in section
    with default_storage.open(q1_v2.html_file, "rb") as stored:
        assert NO_EARLIER_PAPER.format(quarter="Q1 2021/22") in stored.read().decode()


def test_the_live_snapshot_reads_as_the_paper_froze_it(board, plan):
    """The cheap snapshot of the live report and the one stored at publish agree on everything compared."""

    def compared(data: dict) -> dict:
        return {
            "actions": [(a["id"], a["description"], a["owner"], a["rags"], a["rag"], (a["update"] or {}).get("quarter"))
                        for a in data["actions"]],
            "measures": data["measures"],
            "risks": data["risks"],
            "quarter": data["quarter"],
        }  # fmt: skip

    assert compared(board_snapshot(plan=plan, quarter=Q1)) == compared(board.data)


# The demo --------------------------------------------------------------------------------------


def test_the_demo_compares_q2_with_the_q1_paper_and_fills_as_updates_arrive(demo, client, sro):
    client.force_login(sro)
    section = _section(client.get(reverse("report")).content.decode())
    assert "Since the last board: Q2 2021/22" in section
    assert "the Q1 2021/22 paper (version 1)" in section
    counts = [int(n) for n in re.findall(r'<span class="changes-count">(\d+)</span>', section)]
    assert counts == [0, 0, 75, 0, 0, 0, 0]  # nothing but the actions with no Q2 update yet
    becky = KeyAction.objects.filter(owner__username="becky.thompson").order_by("pk").first()
    save_update(becky.owner, becky, rag="red", progress="Caseloads rose over the summer.")
    section = _section(client.get(reverse("report")).content.decode())
    counts = [int(n) for n in re.findall(r'<span class="changes-count">(\d+)</span>', section)]
    assert counts == [1, 1, 74, 0, 0, 0, 0]
    assert _badges(_item(_list(section, "changes-rag"), becky.pk)) == ["Not set", "Red"]
    assert _badges(_item(_list(section, "changes-new-red"), becky.pk)) == ["Not set", "Red"]
    assert "<dt>Becky Thompson (1)</dt>" in _list(section, "changes-new-red")


# The cached part and the queries ----------------------------------------------------------------


@pytest.fixture
def rendered(monkeypatch):
    """The names of the panels each request rendered (not served from the cache)."""
    seen: list[str] = []
    render = report_cache._render

    def spy(part, report_context):
        seen.append(type(part.panel).__name__)
        return render(part, report_context)

    monkeypatch.setattr(report_cache, "_render", spy)
    return seen


@pytest.fixture
def warm(client, sro, board, rendered):
    """The report viewed after one change (the first change after the cache was emptied rebuilds every part)."""
    cache.clear()
    _report(client, sro)
    KeyPriority.objects.filter(plan__slug="changes").first().save()
    _report(client, sro)
    rendered.clear()
    return client


def _rebuilt(rendered) -> bool:
    return "BoardChangesPanel" in rendered


def test_the_section_is_rebuilt_when_what_it_reads_changes_and_not_otherwise(warm, rendered, sro, head_of_service):
    plan = Plan.objects.get(slug="changes")
    priority = KeyPriority.objects.filter(plan=plan).first()
    priority.description = "A reworded priority."
    priority.save()
    _report(warm, sro)
    assert rendered
    assert not _rebuilt(rendered)
    rendered.clear()
    save_update(head_of_service, _actions(plan)[-1], rag="red", progress="Late.")  # one theme's actions
    assert f'href="#action-{_actions(plan)[-1].pk}"' in _list(_section(_report(warm, sro)), "changes-new-red")
    assert _rebuilt(rendered)
    rendered.clear()
    value = MeasureValue.objects.filter(measure__plan=plan).order_by("pk").first()
    value.value = 4321
    value.save()
    _report(warm, sro)
    assert _rebuilt(rendered)
    rendered.clear()
    risk_services.risk_update(user=None, risk=Risk.objects.get(plan=plan, ref=3), status=RiskStatus.CLOSED)
    assert "Risk 3 (score" in words(_section(_report(warm, sro)))
    assert _rebuilt(rendered)


def test_a_paper_published_or_removed_rebuilds_the_section(warm, rendered, sro, board):
    PublishedPaper.objects.filter(pk=board.pk).delete()  # as from the admin: no lock or round row changes
    assert NO_EARLIER_PAPER.format(quarter="Q2 2021/22") in _section(_report(warm, sro))
    assert rendered == ["AtAGlancePanel", "BoardChangesPanel"]


@pytest.mark.parametrize("scale", [pytest.param(1, id="Torbay size"), pytest.param(10, id="ten times Torbay")])
def test_with_a_paper_to_compare_with_the_report_reads_four_more_queries_at_any_size(
    client, sro, scale, django_assert_num_queries
):
    # The paper, then the live measures with their latest figure, the measures' targets and the risks
    # (report.snapshots.board_snapshot); the key actions come from the rows the report reads anyway.
    plan = build_plan(slug="changes", scale=scale)
    earlier_paper(plan, Q4_2020)
    client.force_login(sro)
    with django_assert_num_queries(REPORT_QUERIES + 4):
        html = client.get(reverse("report"), {"plan": "changes"}).content.decode()
    section = _section(html)
    assert "the Q4 2020/21 paper (version 1)" in section
    assert _count(section, "No Q1 2021/22 update") == 8 * scale  # one action in eight has no narrative
    assert _count(section, "RAG changed") == 64 * scale  # each action's Q4 RAG was the next in the cycle


def test_board_changes_for_plans_is_a_fixed_number_of_queries(board, plan, django_assert_num_queries):
    # Every plan's earlier paper and its data (2), then the plan's live snapshot (6).
    with django_assert_num_queries(8):
        changes = board_changes_for_plans([(plan, Q2)])[plan.pk]
    assert changes.previous.quarter_label == "Q1 2021/22"
    link = escape(f"/?plan={plan.slug}&year=2021&quarter=2#action-{changes.not_updated[0].id}")
    assert f'href="{link}"' in changes.not_updated_html
    unlinked = dataclasses.replace(changes, linked=False).not_updated_html
    assert "href" not in unlinked
    assert f"<dd>{changes.not_updated[0].short_description}</dd>" in unlinked


# As it looks: on paper and on the screen ----------------------------------------------------------


def test_the_papers_section_fits_the_width_of_an_a4_landscape_page(changed):
    from weasyprint import HTML

    from report.paper_files import PAPER_BASE_URL, PaperChoice, paper_html
    from report.pdf import StaticFilesFetcher

    paper = paper_html(PaperChoice(plan=Plan.objects.get(slug="changes"), quarter=Q2))
    stylesheets = "".join(re.findall(r'<link rel="stylesheet"[^>]+>', paper))
    document = (
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8">{stylesheets}</head>'
        f'<body class="report report-pdf">{_section(paper)}</body></html>'
    )
    pages = HTML(string=document, base_url=PAPER_BASE_URL, url_fetcher=StaticFilesFetcher()).render().pages
    assert len(pages) <= 2  # 64 actions, 62 of them not updated: two columns keep it short
    for page in pages:
        page_box = page._page_box
        root = next(box for box in page_box.children if getattr(box, "element_tag", "") == "html")
        right = page.width - page_box.margin_right
        widest = max(box.position_x + box.margin_width() for box in root.descendants() if hasattr(box, "position_x"))
        assert widest <= right + 0.5, f"The section runs {widest - right:.0f} px past the page's right margin."


@pytest.fixture
def live_reads(monkeypatch) -> list:
    """What each page reads of the live data: the themes whose actions it read (by pk; the section compares a
    theme's actions from those rows), and the other kinds the section read itself (report.snapshots.board_snapshot)."""
    from report import changes as changes_module
    from report import context as context_module

    read: list = []
    snapshot, contents = changes_module.board_snapshot, context_module.report_theme_contents
    monkeypatch.setattr(
        changes_module,
        "board_snapshot",
        lambda **kwargs: read.extend(sorted(kwargs["parts"])) or snapshot(**kwargs),
    )
    monkeypatch.setattr(
        context_module,
        "report_theme_contents",
        lambda **kwargs: read.extend(kwargs["theme_pks"] or ["every theme"]) or contents(**kwargs),
    )
    return read


def test_the_live_section_kept_in_parts_always_matches_one_built_afresh(client, sro, head_of_service, live_reads):
    """The report keeps the section in parts (each theme's actions, the measures, the register, the paper compared
    with), each under the versions it reads: after each kind of change the cached page's section is the one a
    page built from an empty cache shows, and an action update reads its own theme's actions only."""
    from django.test import override_settings

    from core.data_versions import data_versions_bump

    plan = build_plan(slug="parts", scale=1, owner=head_of_service)
    earlier_paper(plan)
    client.force_login(sro)
    url = reverse("report") + "?plan=parts"

    def section() -> str:
        body = client.get(url).content.decode()
        return body.split('aria-labelledby="changes-heading"', 1)[1].split("</section>", 1)[0]

    fresh_caches: list[str] = []

    def cached_and_fresh() -> tuple[str, str]:
        """Return the section of the cached page and of one built afresh; `live_reads` is then the cached page's."""
        live_reads.clear()
        cached = section()
        read_by_cached = live_reads.copy()
        fresh_caches.append(f"afresh-{len(fresh_caches)}")  # a new, empty one each time
        empty = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": fresh_caches[-1]}}
        with override_settings(CACHES=empty):
            fresh = section()
        live_reads[:] = read_by_cached
        return cached, fresh

    section()
    data_versions_bump("warm-up")  # the first change after the cache was emptied keeps every data version
    section()
    first, second = KeyAction.objects.filter(objective__theme__plan=plan).order_by("objective__theme__number", "pk")[
        ::17
    ][:2]
    save_update(head_of_service, first, rag="red", quarter=1)
    cached, fresh = cached_and_fresh()
    assert cached == fresh
    assert f"#action-{first.pk}" in cached.split('id="changes-new-red"', 1)[1]
    assert live_reads == [first.objective.theme_id]  # the cached page's live_reads: that theme's actions only
    save_update(head_of_service, second, rag="green", quarter=1)
    cached, fresh = cached_and_fresh()
    assert cached == fresh
    assert live_reads == [second.objective.theme_id]
    risk = Risk.objects.filter(plan=plan).order_by("ref").first()
    risk.probability, risk.score = 1, risk.impact
    risk.save()
    cached, fresh = cached_and_fresh()
    assert cached == fresh
    assert 'id="changes-risks-rescored"' in cached
    assert live_reads == ["risks"]
    value = MeasureValue.objects.filter(measure__plan=plan).order_by("-month", "pk").first()
    value.value = Decimal("0")
    value.save()
    cached, fresh = cached_and_fresh()
    assert cached == fresh
    assert live_reads == ["measures"]

"""The report is cached in parts: each change rebuilds exactly the parts that show it, the rest come from the cache."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.data_versions import data_versions_bump
from kpis.models import MeasureValue
from plans import services
from plans.models import KeyAction, KeyPriority, Objective, Plan, Theme
from report import cache as report_cache
from risks.models import Risk
from tests.report.builders import build_plan
from tests.two_factor import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(head_of_service):
    return build_plan(slug="parts", owner=head_of_service)


@pytest.fixture
def rendered(monkeypatch):
    """The parts rendered (not served from the cache) by each request: (panel class, theme number or None)."""
    seen: list[tuple[str, int | None]] = []
    render = report_cache._render

    def spy(part, report_context):
        panel = part.panel
        theme = getattr(getattr(panel, "block", None), "theme", None) or getattr(panel, "theme", None)
        seen.append((type(panel).__name__, theme.number if theme else None))
        return render(part, report_context)

    monkeypatch.setattr(report_cache, "_render", spy)
    return seen


@pytest.fixture
def warm(client, sro, plan, rendered):
    """A report viewed, after one change (the first change after the cache was emptied rebuilds every part once)."""
    # Browser tests earlier in the run leave rows in the database cache; past MAX_ENTRIES a write culls
    # entries at random, which could drop the copy these tests expect to be served.
    cache.clear()
    client.force_login(sro)
    view(client)
    data_versions_bump("warm-up")
    view(client)
    rendered.clear()
    return client


def view(client) -> str:
    response = client.get(reverse("report"), {"plan": "parts"})
    assert response.status_code == 200
    return response.content.decode()


def themes_of(plan) -> list[int]:
    return sorted(plan.themes.values_list("number", flat=True))


def test_nothing_changed_renders_nothing(warm, rendered):
    view(warm)
    assert rendered == []


def test_an_action_update_rebuilds_its_themes_actions_and_at_a_glance_only(warm, rendered, plan, head_of_service):
    action = KeyAction.objects.filter(objective__theme__plan=plan, objective__theme__number=1).first()
    services.key_action_update_add(
        user=head_of_service,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=1,
        rag="green",
        progress="Parts rebuilt.",
    )
    body = view(warm)
    # Since the last board reads every theme's actions (report.changes).
    assert sorted(rendered, key=str) == [
        ("AtAGlancePanel", None),
        ("BoardChangesPanel", None),
        ("ThemeActionsPanel", 1),
    ]
    assert "Parts rebuilt." in body


def test_a_kpi_value_rebuilds_the_kpi_tables_and_at_a_glance_only(warm, rendered, plan):
    value = MeasureValue.objects.filter(measure__plan=plan).order_by("pk").first()
    value.value = 4321
    value.save()
    view(warm)
    expected = [("AtAGlancePanel", None), ("BoardChangesPanel", None)]
    expected += [("ThemeMeasuresPanel", n) for n in themes_of(plan)]
    assert sorted(rendered, key=str) == sorted(expected, key=str)


def test_a_risk_score_rebuilds_the_register_and_at_a_glance_only(warm, rendered, plan):
    risk = Risk.objects.filter(plan=plan).order_by("ref").first()
    risk.description = "A rescored risk."
    risk.probability = 1
    risk.score = risk.probability * risk.impact
    risk.save()
    body = view(warm)
    assert sorted(rendered, key=str) == [
        ("AtAGlancePanel", None),
        ("BoardChangesPanel", None),
        ("RiskRegisterPanel", None),
    ]
    assert "A rescored risk." in body


def test_a_plan_summary_edit_rebuilds_the_summary_and_narrative_and_at_a_glance_only(warm, rendered, plan):
    plan = Plan.objects.get(pk=plan.pk)
    plan.overall_narrative = "<p>A new overall narrative.</p>"
    plan.save()
    body = view(warm)
    assert sorted(rendered, key=str) == [
        ("AtAGlancePanel", None),
        ("HeaderPanel", None),
        ("OverallNarrativePanel", None),
    ]
    assert "A new overall narrative." in body


def test_a_key_priority_rebuilds_the_key_priorities_and_at_a_glance_only(warm, rendered, plan):
    priority = KeyPriority.objects.filter(plan=plan).order_by("order").first()
    priority.description = "A reworded priority."
    priority.save()
    body = view(warm)
    assert sorted(rendered, key=str) == [("AtAGlancePanel", None), ("KeyPrioritiesPanel", None)]
    assert "A reworded priority." in body


def test_while_another_request_rebuilds_the_previous_copy_is_served(warm, rendered, plan):
    priority = KeyPriority.objects.filter(plan=plan).order_by("order").first()
    before = priority.description
    # Another request holds the rebuild of this report.
    key = next(k for k in cache_keys() if k.startswith("report:") and not k.endswith(":rebuilding"))
    cache.add(f"{key}:rebuilding", 1, timeout=report_cache.LOCK_SECONDS)
    priority.description = "Not yet on the page."
    priority.save()
    body = view(warm)
    assert rendered == []
    assert before in body
    assert "Not yet on the page." not in body
    cache.delete(f"{key}:rebuilding")  # its lock gone (done, or expired)
    assert "Not yet on the page." in view(warm)


def cache_keys() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM django_cache")
        return [row[0].split(":", 2)[-1] for row in cursor.fetchall()]


def test_update_buttons_are_each_readers_own_though_the_parts_are_shared(
    client, sro, head_of_service, other_head_of_service, admin_user, plan
):
    theirs = KeyAction.objects.filter(objective__theme__plan=plan).order_by("pk").first()
    theirs.owner = other_head_of_service
    theirs.save()
    owned = set(
        KeyAction.objects.filter(objective__theme__plan=plan, owner=head_of_service).values_list("pk", flat=True)
    )
    every = set(KeyAction.objects.filter(objective__theme__plan=plan).values_list("pk", flat=True))

    def buttons(user, **params) -> set[int]:
        if user.is_superuser:
            sign_in_verified(client, user)  # administrators pass two-step verification first
        else:
            client.force_login(user)
        body = client.get(reverse("report"), {"plan": "parts", **params}).content.decode()
        assert "<!--action-update" not in body
        return {int(pk) for pk in re.findall(r'href="/actions/(\d+)/update/"', body)}

    assert buttons(sro) == set()
    assert buttons(head_of_service) == owned
    assert buttons(other_head_of_service) == {theirs.pk}
    assert buttons(admin_user) == every
    assert buttons(sro) == set()
    assert buttons(head_of_service, as_at=timezone.localdate().isoformat()) == set()


def test_a_reminder_recorded_rebuilds_nothing(warm, rendered, plan, sro):
    """A record of an email sent is shown by no report or paper: the reminder command runs hourly."""
    import datetime

    from plans.rounds.reminder_models import ReminderSent
    from plans.rounds.services import round_open

    reporting_round = round_open(
        user=sro,
        plan=plan,
        financial_year=2021,
        quarter=2,
        deadline=datetime.date(2021, 10, 15),
        board_date=datetime.date(2021, 10, 30),
    )
    view(warm)
    rendered.clear()
    ReminderSent.objects.create(
        round=reporting_round,
        recipient=sro,
        recipient_name="Nancy Meehan",
        recipient_email="sro@example.gov.uk",
        kind=ReminderSent.Kind.DIGEST,
        day=datetime.date(2021, 10, 14),
        sent_at=timezone.now(),
        subject="1 update awaits sign-off",
    )
    view(warm)
    assert rendered == []


# At a glance is rebuilt on every change from what is kept of the rest: each theme's share (under that theme's
# data versions), the measures and risks it lists (under the KPI app's and the register's). Whatever changed, the
# page served from the kept parts is the page built from nothing.


def fresh(client) -> str:
    cache.clear()
    return view(client)


def glance_list(body: str, list_id: str) -> str:
    found = re.search(f'<(?:ul|dl) id="{list_id}">(.*?)</(?:ul|dl)>', body, re.DOTALL)
    return found[1] if found else ""


def update(user, action, rag: str, progress: str) -> None:
    action = KeyAction.objects.get(pk=action.pk)
    services.key_action_update_add(
        user=user,
        key_action=action,
        expected_version=action.version,
        financial_year=2021,
        quarter=1,
        rag=rag,
        progress=progress,
        # Red and Amber need their explanation.
        barriers="Waiting for recruitment.",
        next_steps="Agency staff meanwhile.",
    )


def actions_of(plan, theme_number: int) -> list[KeyAction]:
    return list(KeyAction.objects.filter(objective__theme__plan=plan, objective__theme__number=theme_number))


def test_at_a_glance_counts_an_action_update_in_its_themes_share(warm, plan, head_of_service):
    action = next(
        a for a in actions_of(plan, 1) if f'href="#action-{a.pk}"' not in glance_list(view(warm), "glance-rag-red")
    )
    update(head_of_service, action, "red", "Now Red.")
    body = view(warm)
    assert f'href="#action-{action.pk}"' in glance_list(body, "glance-rag-red")
    # Another theme's update: theme one's share comes from the cache, with the update in it.
    update(head_of_service, actions_of(plan, 2)[0], "green", "Theme two.")
    body = view(warm)
    assert f'href="#action-{action.pk}"' in glance_list(body, "glance-rag-red")
    assert without_csrf(body) == without_csrf(fresh(warm))


def test_an_action_update_reads_its_own_themes_actions_only(warm, plan, head_of_service, monkeypatch):
    from plans import selectors

    read: list = []
    contents = selectors.report_theme_contents
    monkeypatch.setattr(
        "report.context.report_theme_contents", lambda **kwargs: read.append(kwargs["theme_pks"]) or contents(**kwargs)
    )
    action = actions_of(plan, 3)[0]
    update(head_of_service, action, "amber", "Theme three only.")
    assert "Theme three only." in view(warm)
    assert read == [[action.objective.theme_id]]


def test_a_kpi_value_changes_the_measures_at_a_glance_lists_after_later_updates(warm, plan, head_of_service):
    listed = glance_list(view(warm), "glance-measures")
    measure_pk = int(re.search(r'href="#measure-(\d+)"', listed)[1])
    latest = MeasureValue.objects.filter(measure_id=measure_pk).order_by("-month").first()
    latest.value = latest.value + 7
    latest.save()
    changed = glance_list(view(warm), "glance-measures")
    assert changed != listed
    # An action update rebuilds at a glance with the measures' list kept: the changed one.
    update(head_of_service, actions_of(plan, 1)[0], "amber", "Later.")
    body = view(warm)
    assert glance_list(body, "glance-measures") == changed
    assert without_csrf(body) == without_csrf(fresh(warm))


def test_a_risk_rescored_high_is_at_a_glance_after_later_updates(warm, plan, head_of_service):
    risk = Risk.objects.filter(plan=plan).order_by("ref").first()
    risk.description = "A risk now scoring 25."
    risk.probability = risk.impact = risk.inherent_probability = risk.inherent_impact = 5
    risk.score = risk.inherent_score = 25
    risk.save()
    assert "A risk now scoring 25." in glance_list(view(warm), "glance-risks")
    update(head_of_service, actions_of(plan, 1)[0], "amber", "Later.")
    body = view(warm)
    assert "A risk now scoring 25." in glance_list(body, "glance-risks")
    assert without_csrf(body) == without_csrf(fresh(warm))


def without_csrf(body: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


# Each theme's key action rows are rendered one by one and kept beside the report's parts (ReportContext.memo),
# keyed by all a row shows: an update renders its action's row only, and whatever a change touched, the page made
# from kept rows is the page built from nothing.


@pytest.fixture
def rows_rendered(monkeypatch):
    """The key actions whose row was rendered (components/theme_action_row.html), by pk, in order."""
    from plans import panels

    seen: list[int] = []
    render = panels.render_to_string

    def spy(template_name, context=None, *args, **kwargs):
        if template_name == panels.ROW_TEMPLATE:
            seen.append(context["row"].action.pk)
        return render(template_name, context, *args, **kwargs)

    monkeypatch.setattr(panels, "render_to_string", spy)
    return seen


def test_an_action_update_renders_that_actions_row_only(warm, plan, head_of_service, rows_rendered):
    action = actions_of(plan, 2)[3]
    update(head_of_service, action, "amber", "One row.")
    assert "One row." in view(warm)
    assert rows_rendered == [action.pk]


def _edit(model_of, **values):
    def change(action: KeyAction) -> None:
        row = model_of(action)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()

    return change


def _latest_update(action: KeyAction):
    return action.updates.order_by("-created_at", "-id").first()


def _rag(action: KeyAction):
    return action.quarter_rags.get(financial_year=2021, quarter=1)


# What a row shows, each changed as any page, service or the admin saves it (the saved row's signals move the data
# versions).
ROW_CHANGES = [
    pytest.param(_edit(lambda a: a, description="<p>A reworded key action.</p>"), id="the action's words"),
    pytest.param(_edit(lambda a: a, owner_name="Someone Else"), id="the owner's name"),
    pytest.param(_edit(lambda a: a, due_date=timezone.localdate().replace(year=2030)), id="the due date"),
    pytest.param(_edit(lambda a: a, due_date=None, by_when="By spring"), id="the due date as written"),
    pytest.param(_edit(lambda a: a.objective, lead_officer="A new lead"), id="the objective's lead officer"),
    pytest.param(_edit(lambda a: a.objective, description="<p>A reworded objective.</p>"), id="the objective"),
    pytest.param(_edit(_rag, rag="green"), id="the quarter's RAG"),
    pytest.param(_edit(_latest_update, progress="<p>Progress corrected.</p>"), id="the update's progress"),
    pytest.param(_edit(_latest_update, barriers="<p>A new barrier.</p>"), id="the update's barriers"),
    pytest.param(_edit(_latest_update, next_steps="<p>Other steps.</p>"), id="the update's next steps"),
    pytest.param(_edit(_latest_update, author_name="Another Author"), id="the update's author"),
    pytest.param(_edit(_latest_update, quarter=4, financial_year=2020), id="the update's quarter"),
]


@pytest.mark.parametrize("change", ROW_CHANGES)
def test_a_kept_row_is_rendered_again_when_anything_it_shows_changes(
    warm, plan, head_of_service, rows_rendered, change
):
    # The first row of its objective: the one that carries the objective's cell.
    action = (
        KeyAction.objects.filter(objective__theme__plan=plan)
        .order_by("objective__theme__number", "objective__order", "order", "pk")
        .first()
    )
    update(head_of_service, action, "red", "Before the change.")
    view(warm)
    rows_rendered.clear()
    change(KeyAction.objects.get(pk=action.pk))
    body = view(warm)
    assert rows_rendered == [action.pk]
    assert without_csrf(body) == without_csrf(fresh(warm))


# With no copy kept (after a release, on a new day), one request builds the report and the others wait for it.


def _no_copy_and_another_request_building() -> tuple[str, object]:
    """Empty the report's copy from the cache, as a release or a new day does, and hold its build as another
    request would; return the report's key and the copy that request will keep."""
    key = next(k for k in cache_keys() if k.startswith("report:") and not k.endswith(":rebuilding"))
    built = cache.get(key)
    cache.delete(key)
    assert cache.add(f"{key}:rebuilding", 1, timeout=report_cache.LOCK_SECONDS)
    return key, built


def test_with_no_copy_kept_a_request_waits_for_the_one_building_it(warm, rendered, monkeypatch):
    key, built = _no_copy_and_another_request_building()
    waits: list[float] = []

    def meanwhile(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:  # the other request keeps its copy
            cache.set(key, built)

    monkeypatch.setattr(report_cache, "sleep", meanwhile)
    body = view(warm)
    assert rendered == []  # nothing built twice: the other request's copy is served
    assert len(waits) == 3
    assert 'id="action-' in body


def test_with_no_copy_kept_a_request_builds_it_when_the_other_has_not_in_time(warm, rendered, monkeypatch):
    _no_copy_and_another_request_building()
    clock = iter(range(0, 1000))
    monkeypatch.setattr(report_cache, "monotonic", lambda: next(clock))  # a second passes at each look
    waits: list[float] = []
    monkeypatch.setattr(report_cache, "sleep", waits.append)
    body = view(warm)
    # It waited LOCK_SECONDS (looking once a second on this clock), no less and no longer, then built it.
    assert len(waits) == report_cache.LOCK_SECONDS - 1
    assert ("AtAGlancePanel", None) in rendered
    assert 'id="action-' in body


def test_the_ofsted_recommendations_are_rendered_again_when_they_change_not_when_an_action_is_updated(
    warm, rendered, plan, head_of_service
):
    import datetime

    from plans.models import OfstedRecommendation

    action = actions_of(plan, 1)[0]
    recommendation = OfstedRecommendation.objects.create(
        plan=plan, number=6, recommendation="Ensure assessments are timely.", rag="amber", snapshot_date=None
    )
    recommendation.key_actions.add(action)
    assert "Ensure assessments are timely." in view(warm)
    rendered.clear()
    update(head_of_service, action, "red", "Slipped.")
    view(warm)
    assert ("OfstedRecommendationsPanel", None) not in rendered
    recommendation.comments = "<p>Better now.</p>"
    recommendation.snapshot_date = datetime.date(2021, 6, 30)
    recommendation.save()
    body = view(warm)
    assert ("OfstedRecommendationsPanel", None) in rendered
    assert "Better now." in body
    assert without_csrf(body) == without_csrf(fresh(warm))


# Each part's HTML and each summary is kept in a blob of its own, named by the bundle: a rebuild writes only those
# it made.


def _report_bundle():
    key = next(k for k in cache_keys() if k.startswith("report:") and not k.endswith(":rebuilding"))
    return cache.get(key)


def test_a_rebuild_writes_the_blobs_it_made_not_those_of_the_parts_it_kept(
    warm, rendered, plan, head_of_service, monkeypatch
):
    kept_before = {name: blob for name, (_, blob) in _report_bundle().parts.items()}
    written: list[str] = []
    set_many_freeing = report_cache.cache_set_many_freeing

    def spy(cache, data, *args, **kwargs):
        written.extend(data)
        return set_many_freeing(cache, data, *args, **kwargs)

    monkeypatch.setattr(report_cache, "cache_set_many_freeing", spy)
    update(head_of_service, actions_of(plan, 1)[0], "red", "Slipped.")
    view(warm)
    rebuilt = {name for name in kept_before if name.endswith(("AtAGlancePanel", "BoardChangesPanel", ":actions"))}
    kept = {blob for name, blob in kept_before.items() if name not in rebuilt}
    assert written
    assert not kept & set(written)
    # Theme 1's actions, at a glance and since the last board, each theme's glance and changes share and its
    # rows: a handful of blobs, whatever the number of parts kept.
    assert len(written) <= 10 < len(kept_before)


def test_a_part_whose_blob_is_gone_is_rendered_again(warm, rendered):
    bundle = _report_bundle()
    name, (_, blob) = next((name, part) for name, part in bundle.parts.items() if name.endswith("RiskRegisterPanel"))
    cache.delete(blob)  # culled
    body = view(warm)
    assert rendered == [("RiskRegisterPanel", None)]
    assert without_csrf(body) == without_csrf(fresh(warm))
    rendered.clear()
    view(warm)
    assert rendered == []  # its blob is kept again


def test_a_theme_added_since_the_copy_was_kept_reads_its_own_versions(warm, rendered, plan, head_of_service):
    # A rebuild compares the parts with the data versions read with the kept copy's blobs; the new theme's actions
    # name a version that copy never read, read then and kept: it changes with that theme's data only.
    theme = Theme.objects.create(plan=plan, number=9, title="A theme added later", overview_rag="amber")
    action = KeyAction.objects.create(
        objective=Objective.objects.create(theme=theme, description="<p>A new objective.</p>"),
        description="<p>A key action of the new theme.</p>",
        owner=head_of_service,
        owner_name="Heather Head",
    )
    assert "A key action of the new theme." in view(warm)
    for changed, number in ((actions_of(plan, 1)[0], 1), (action, 9)):
        rendered.clear()
        update(head_of_service, changed, "green", f"An update in theme {number}.")
        body = view(warm)
        assert sorted(rendered, key=str) == [
            ("AtAGlancePanel", None),
            ("BoardChangesPanel", None),
            ("ThemeActionsPanel", number),
        ]
        assert f"An update in theme {number}." in body
    assert without_csrf(body) == without_csrf(fresh(warm))

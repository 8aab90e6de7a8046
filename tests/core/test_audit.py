"""The audit page: every kind of change a person makes, with who, when and from → to; filters, CSV, queries."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import NO_ONE, NOT_RECORDED, AuditFilter, audit_entries, audit_keys
from core.audit_views import DATE_MESSAGE, DATES_REVERSED_MESSAGE, PERSON_MESSAGE
from kpis import services as kpi_services
from kpis.models import Benchmark, Measure, MeasureValue
from plans.editing import services as editing
from plans.models import KeyPriority, MediumTermDevelopment
from risks import services as risk_services
from tests.factories import KeyActionFactory, PlanFactory
from tests.risks.factories import added_risk
from tests.two_factor import sign_in

pytestmark = pytest.mark.django_db


def entries(**wanted):
    return audit_entries(audit_keys(AuditFilter(**wanted)))


def changes_of(entry):
    return [(c.label, c.before, c.after) for c in entry.changes]


def latest(what: str, **wanted):
    return next(e for e in entries(**wanted) if e.what == what)


@pytest.fixture
def action(head_of_service):
    return KeyActionFactory(owner=head_of_service, objective__theme__plan__slug="torbay")


@pytest.fixture
def plan(action):
    return action.objective.theme.plan


def test_the_sro_correcting_the_narrative_shows_it_from_and_to_as_words_not_html(sro, plan):
    editing.plan_summary_update(
        user=sro,
        plan=plan,
        expected_version=plan.version,
        overall_status="green",
        overall_narrative="<p>Caseloads <strong>fell</strong> &amp; stayed down.</p><script>alert(1)</script>",
        report_date=plan.report_date,
    )

    entry = latest("Plan")
    assert (entry.who, entry.name, entry.kind, entry.link) == (
        "Nancy Meehan",
        plan.title,
        "Changed",
        plan.get_absolute_url(),
    )
    assert changes_of(entry) == [
        ("Overall status", "Amber", "Green"),
        ("Overall narrative", "Progress continues.", "Caseloads fell & stayed down."),
    ]


def test_key_priorities_developments_objectives_and_actions_show_each_field_changed(
    sro, head_of_service, other_head_of_service, plan, action
):
    priority = editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="2", description="Recruit social workers")
    editing.listed_update(
        user=sro, row=priority, expected_version=priority.version, description="Recruit 20 social workers"
    )
    development = editing.listed_add(user=sro, model=MediumTermDevelopment, plan=plan, ref="A", description="Hub")
    editing.listed_retire(user=sro, row=development)
    objective = action.objective
    editing.objective_update(
        user=sro,
        objective=objective,
        expected_version=objective.version,
        lead_officer="Rachel Setter",
        description=objective.description,
    )
    editing.key_action_edit(user=sro, key_action=action, expected_version=action.version, owner=other_head_of_service)

    found = {(e.what, e.kind): e for e in reversed(entries())}
    assert changes_of(found[("Key priority", "Changed")]) == [
        ("Description", "Recruit social workers", "Recruit 20 social workers")
    ]
    assert found[("Key priority", "Changed")].link == reverse(
        "plans:listed_edit", args=[plan.slug, "priorities", priority.pk]
    )
    assert found[("Key priority", "Created")].who == "Nancy Meehan"
    assert [label for label, _, _ in changes_of(found[("Medium-term development", "Changed")])] == ["Retired at"]
    assert changes_of(found[("Objective", "Changed")]) == [("Lead officer", "Becky Thompson", "Rachel Setter")]
    new_owner = other_head_of_service.get_full_name()
    assert ("Owner", "Becky Thompson", new_owner) in changes_of(found[("Key action", "Changed")])


def test_a_risk_added_with_a_control_then_linked_and_rescored_shows_each_change(sro, plan, action):
    risk = added_risk(plan, sro, ref=7, inherent_probability=4, inherent_impact=4)
    risk_services.risk_control_add(user=sro, risk=risk, description="Weekly caseload review", owner=sro)
    risk_services.risk_update(user=sro, risk=risk, probability=2, key_actions=[action])
    risk_services.risk_appetite_set(user=sro, plan=plan, category="workforce", level="cautious")
    risk_services.risk_appetite_set(user=sro, plan=plan, category="workforce", level="open")

    found = {(e.what, e.kind): e for e in reversed(entries())}
    assert found[("Risk", "Created")].who == NO_ONE
    control = found[("Risk control", "Created")]
    assert (control.who, control.name, control.link) == (
        "Nancy Meehan",
        "Risk 7: Weekly caseload review",
        risk.get_absolute_url(),
    )
    changed = dict((label, (before, after)) for label, before, after in changes_of(found[("Risk", "Changed")]))
    assert changed["Probability"] == ("3", "2")
    assert changed["Score"] == ("12", "8")
    assert changed["Links summary"][0] == "(empty)"
    assert str(action)[:20] in changed["Links summary"][1]
    assert changes_of(found[("Risk appetite", "Changed")]) == [("Level", "Cautious", "Open")]


def test_kpi_values_benchmarks_and_measures_show_from_and_to(performance_user, plan, action):
    measure = Measure.objects.create(plan=plan, theme=action.objective.theme, ref="2.15", title="Timely assessments")
    value = MeasureValue.objects.create(measure=measure, month=datetime.date(2021, 5, 1), value=81)
    value.value = 84.5
    kpi_services.measure_value_save(measure_value=value, user=performance_user)
    benchmark = Benchmark.objects.create(measure=measure, kind="national", period="2021", value=80)
    benchmark.value = 82
    kpi_services.benchmark_save(benchmark=benchmark, user=performance_user)
    measure.title = "Assessments on time"
    kpi_services.measure_save(measure=measure, user=performance_user)

    found = {(e.what, e.kind): e for e in reversed(entries(person_id=performance_user.pk))}
    assert changes_of(found[("Monthly value", "Changed")]) == [("Value", "81", "84.5")]
    assert found[("Monthly value", "Changed")].name == "2.15 May 2021"
    assert changes_of(found[("Benchmark", "Changed")]) == [("Value", "80", "82")]
    assert changes_of(found[("Measure", "Changed")]) == [("Title", "Timely assessments", "Assessments on time")]


def test_a_change_to_a_row_kept_before_history_began_says_the_earlier_value_was_not_recorded(sro, plan):
    priority = KeyPriority.objects.create(plan=plan, ref="1", description="Old")
    KeyPriority.history.filter(id=priority.pk).delete()
    editing.listed_update(user=sro, row=priority, expected_version=priority.version, description="New")

    assert ("Description", NOT_RECORDED, "New") in changes_of(latest("Key priority"))


def test_a_deletion_is_listed_as_deleted_without_a_link(sro, plan):
    risk = added_risk(plan, sro, ref=3)
    risk_services.risk_delete(user=None, risk=risk)

    entry = entries()[0]
    assert (entry.what, entry.kind, entry.link) == ("Risk", "Deleted", None)


def test_the_filters_narrow_by_person_plan_and_dates(sro, admin_user_, plan):
    other = PlanFactory(title="Another plan")
    editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="9", description="Ours")
    editing.listed_add(user=admin_user_, model=KeyPriority, plan=other, ref="9", description="Theirs")

    assert [e.name for e in entries(person_id=sro.pk)] == ["9. Ours"]
    assert {e.name for e in entries(plan_id=other.pk) if e.what == "Key priority"} == {"9. Theirs"}
    today = timezone.localdate()
    assert len(entries(since=today, until=today)) == len(entries())
    assert entries(until=today - datetime.timedelta(days=1)) == []


def test_the_page_lists_changes_newest_first_with_from_and_to(client, sro, plan):
    priority = editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="2", description="<b>Recruit</b>")
    editing.listed_update(user=sro, row=priority, expected_version=priority.version, description="Recruit more")
    client.force_login(sro)

    response = client.get(reverse("audit:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col">Change</th>' in html
    assert "<b>Recruit</b>" not in html
    assert "&lt;b&gt;Recruit&lt;/b&gt;" in html
    assert html.index("Recruit more") < html.index("Created")
    assert 'role="region"' in html


@pytest.mark.parametrize(
    ("query", "message", "kept"),
    [
        pytest.param({"since": "31/02/2026"}, DATE_MESSAGE, 'value="31/02/2026"', id="no such day"),
        pytest.param({"until": "next week"}, DATE_MESSAGE, 'value="next week"', id="not a date"),
        pytest.param(
            {"since": "6/12/2026", "until": "1/12/2026"}, DATES_REVERSED_MESSAGE, 'value="1/12/2026"', id="reversed"
        ),
        pytest.param({"person": "999999"}, PERSON_MESSAGE, "", id="unknown person"),
    ],
)
def test_bad_filters_are_refused_with_a_sentence_and_keep_what_was_typed(client, sro, query, message, kept):
    client.force_login(sro)

    response = client.get(reverse("audit:list"), query)

    html = response.content.decode()
    assert message.replace("“", "&ldquo;") in html or message in html
    assert kept in html
    assert "<tbody>" not in html


def test_the_csv_export_has_one_line_per_field_changed_and_escapes_formulae(client, sro, plan):
    priority = editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="2", description="Plain")
    editing.listed_update(
        user=sro, row=priority, expected_version=priority.version, description="=HYPERLINK(1)", by_when="@once"
    )
    client.force_login(sro)

    response = client.get(reverse("audit:export"), {"person": sro.pk})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["When", "Who", "What", "Name", "Plan", "Change", "Field", "From", "To", "Reason"]
    changed = [row for row in rows[1:] if row[5] == "Changed"]
    assert [(r[1], r[2], r[4], r[6], r[7], r[8]) for r in changed] == [
        ("Nancy Meehan", "Key priority", plan.title, "Description", "Plain", "'=HYPERLINK(1)"),
        ("Nancy Meehan", "Key priority", plan.title, "By when", "(empty)", "'@once"),
    ]
    assert rows[-1][5] == "Created"


def test_a_bad_filter_on_the_csv_goes_back_to_the_page_to_show_why(client, sro):
    client.force_login(sro)

    response = client.get(reverse("audit:export"), {"since": "soon"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("audit:list"))


def test_heads_of_service_are_refused_the_audit_and_told_whom_to_ask(client, head_of_service):
    client.force_login(head_of_service)

    response = client.get(reverse("audit:list"))

    assert response.status_code == 403
    assert "Senior Responsible Officer and administrators" in response.content.decode()


def test_the_menu_shows_audit_to_the_sro_and_administrators_only(client, sro, head_of_service, admin_user_):
    client.force_login(sro)
    assert 'href="/audit/"' in client.get(reverse("plans:plan_list")).content.decode()
    client.force_login(head_of_service)
    assert 'href="/audit/"' not in client.get(reverse("plans:plan_list")).content.decode()
    sign_in(client, admin_user_)
    assert 'href="/audit/"' in client.get(reverse("plans:plan_list")).content.decode()


def _changes(plan, sro, action, new_owner, size: int):
    """Make `size` changes of every kind the page shows on one plan: priorities, actions, risks, KPIs."""
    measure = Measure.objects.create(plan=plan, theme=action.objective.theme, ref="1.1", title="Measure")
    for n in range(size):
        priority = editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref=f"P{n}", description=f"Priority {n}")
        editing.listed_update(user=sro, row=priority, expected_version=priority.version, description=f"Changed {n}")
        risk = added_risk(plan, sro, ref=100 + n)
        risk_services.risk_update(user=sro, risk=risk, probability=2, key_actions=[action])
        value = MeasureValue.objects.create(measure=measure, month=datetime.date(2021 + n // 9, 4 + n % 9, 1), value=n)
        value.value = n + 1
        kpi_services.measure_value_save(measure_value=value, user=sro)
    editing.key_action_edit(user=sro, key_action=action, expected_version=action.version, owner=new_owner)


@pytest.mark.parametrize("size", [2, 10])
@pytest.mark.parametrize("name", ["audit:list", "audit:export"])
def test_the_audit_page_and_its_csv_run_a_fixed_number_of_queries(
    client, sro, plan, action, other_head_of_service, django_assert_num_queries, name, size
):
    _changes(plan, sro, action, other_head_of_service, size)
    client.force_login(sro)
    # session, user, groups, the user's and their groups' permissions; people and plans for the filters;
    # the page's keys and their count (the CSV reads the plans again, for its Plan column); for each of
    # the four kinds listed (priority, risk, value, action) its rows and their previous versions; the
    # people named in the changes (the action's owner).
    with django_assert_num_queries(18):
        response = client.get(reverse(name), {"person": sro.pk})
    # Each change a row on the page (the priorities' two, the risks' and values' one, the action's); the
    # CSV has a line for each field changed, so at least as many.
    body = response.content.decode()
    listed = body.count("<tr>") - 1 if name == "audit:list" else len(body.splitlines()) - 1
    assert listed == 4 * size + 1 if name == "audit:list" else listed >= 4 * size + 1


def test_a_kpi_load_records_its_benchmarks_in_the_history_the_audit_reads(plan, action):
    measure = Measure.objects.create(plan=plan, theme=action.objective.theme, ref="3.1", title="Re-referrals")

    kpi_services.measure_series_create(
        measure=measure, values=[], years=[], benchmarks=[{"kind": "national", "period": "2021", "value": 22}]
    )

    assert latest("Benchmark").name == "3.1 National 2021"


def test_a_source_registered_with_details_lists_what_a_created_row_held(sro, plan):
    from core.audit import _SOURCES, audit_source_register

    registered = _SOURCES[KeyPriority._meta.label_lower]
    try:
        audit_source_register(
            KeyPriority, label="Key priority", plan="plan_id", fields=("ref", "description"), details=True
        )
        editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="5", description="Stable workforce")

        entry = latest("Key priority")
        assert entry.kind == "Created"
        assert changes_of(entry) == [("Ref", "", "5"), ("Description", "", "Stable workforce")]
    finally:
        _SOURCES[registered.key] = registered


def test_moving_a_key_priority_up_is_in_the_audit_with_who_moved_it(sro, plan):
    first = editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="1", description="First")
    second = editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref="2", description="Second")

    editing.listed_move(user=sro, row=second, up=True)

    moves = {e.name: changes_of(e) for e in entries() if e.what == "Key priority" and e.kind == "Changed"}
    assert moves == {str(second): [("Order", "1", "0")], str(first): [("Order", "0", "1")]}
    assert {e.who for e in entries() if e.kind == "Changed"} == {"Nancy Meehan"}


def test_the_page_shows_fifty_changes_and_links_to_older_ones_keeping_the_filters(client, sro, plan):
    for n in range(51):
        editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref=f"R{n}", description=f"Priority {n}")
    client.force_login(sro)

    first = client.get(reverse("audit:list"), {"person": sro.pk}).content.decode()
    second = client.get(reverse("audit:list"), {"person": sro.pk, "page": 2}).content.decode()

    assert first.count("<tr>") - 1 == 50
    assert f"?person={sro.pk}&amp;page=2" in first
    assert "Older changes" in first
    assert "R50. Priority 50" in first
    assert second.count("<tr>") - 1 == 1
    assert "R0. Priority 0" in second


def test_the_csv_holds_at_most_the_export_limit_and_the_page_says_so(client, sro, plan, monkeypatch):
    monkeypatch.setattr("core.audit_views.EXPORT_LIMIT", 2)
    for n in range(3):
        editing.listed_add(user=sro, model=KeyPriority, plan=plan, ref=f"R{n}", description=f"Priority {n}")
    client.force_login(sro)

    rows = list(csv.reader(io.StringIO(client.get(reverse("audit:export"), {"person": sro.pk}).content.decode())))
    page = client.get(reverse("audit:list"), {"person": sro.pk}).content.decode()

    assert [row[3] for row in rows[1:]] == ["R2. Priority 2", "R1. Priority 1"]
    assert "The CSV holds the newest 2 of these 3 changes" in page


def test_a_plan_filter_no_source_can_meet_lists_nothing(monkeypatch, plan):
    monkeypatch.setattr("core.audit.audit_sources", list)

    assert audit_keys(AuditFilter(plan_id=plan.pk)) == []


def test_a_role_granted_and_removed_by_an_administrator_shows_who_to_whom_and_which_role(admin_user_, sro, plan):
    from core import people
    from core.roles import HEAD_OF_SERVICE, SRO

    people.person_roles_set(by=admin_user_, person=sro, roles={SRO, HEAD_OF_SERVICE})
    people.person_roles_set(by=admin_user_, person=sro, roles={SRO})

    granted, removed = sorted(
        (e for e in entries() if e.what == "Access"),
        key=lambda e: {c.label: c.after for c in e.changes}["Change"],
    )
    for entry in (granted, removed):
        assert entry.who == (admin_user_.get_full_name() or admin_user_.username)
        assert entry.kind == "Created"
        assert entry.link == reverse("people:person", args=[sro.pk])
        assert ("Role", "", HEAD_OF_SERVICE) in [(c.label, c.before or "", c.after) for c in entry.changes]
    assert {c.after for e in (granted, removed) for c in e.changes if c.label == "Change"} == {
        "Role granted",
        "Role removed",
    }


def test_linking_an_ofsted_recommendation_to_actions_shows_the_actions_from_and_to(sro, plan, action):
    from plans.editing.recommendations import ofsted_recommendation_update
    from plans.models import OfstedRecommendation

    other = KeyActionFactory(objective=action.objective, description="Audit every plan")
    recommendation = OfstedRecommendation.objects.create(plan=plan, number=1, recommendation="Improve plans")
    for linked in ([action], [action, other], [other]):
        recommendation.refresh_from_db()
        ofsted_recommendation_update(
            user=sro,
            recommendation=recommendation,
            expected_version=recommendation.version,
            rag="amber",
            comments="",
            snapshot_date=None,
            key_actions=linked,
        )

    link_changes = [
        change
        for entry in reversed(entries(plan_id=plan.pk))
        if entry.what == "Ofsted recommendation"
        for change in changes_of(entry)
        if change[0] == "Key actions"
    ]
    first, second = str(action), str(other)
    both = "; ".join(sorted([first, second]))
    assert link_changes == [
        ("Key actions", "(empty)", first),
        ("Key actions", first, both),
        ("Key actions", both, second),
    ]


def test_opening_a_round_and_returning_an_update_show_on_the_audit_page(sro, head_of_service, plan, action):
    from plans.models import Submission
    from plans.rounds.services import submission_return
    from tests.plans.test_rounds import open_round, submit

    open_round(sro, plan)
    submit(head_of_service, action)
    submission_return(user=sro, submission=Submission.objects.get(), comment="Say what moved.")

    (round_entry,) = [e for e in entries(plan_id=plan.pk) if e.what == "Reporting round"]
    assert round_entry.kind == "Created"
    assert round_entry.who == "Nancy Meehan"
    sign_off = next(e for e in entries(plan_id=plan.pk) if e.what == "Update sign-off" and e.kind == "Changed")
    assert ("Status", "Submitted, awaiting sign-off", "Returned") in changes_of(sign_off)
    assert ("Comment", "(empty)", "Say what moved.") in changes_of(sign_off)
    assert Submission.objects.get().status == "returned"


def test_locking_and_reopening_a_quarter_show_on_the_audit_page(sro, plan):
    from core.calendar import FinancialQuarter
    from plans.rounds import locks

    locks.quarter_lock(user=sro, plan=plan, quarter=FinancialQuarter(2021, 2))
    locks.quarter_reopen(user=sro, plan=plan, quarter=FinancialQuarter(2021, 2), reason="Figures a month old.")
    kinds = [(e.kind, e.who) for e in entries(plan_id=plan.pk) if e.what == "Quarter lock"]
    assert kinds == [("Changed", "Nancy Meehan"), ("Created", "Nancy Meehan")]
    reopened = next(e for e in entries(plan_id=plan.pk) if e.what == "Quarter lock" and e.kind == "Changed")
    assert ("Reopen reason", "(empty)", "Figures a month old.") in changes_of(reopened)


def test_a_plan_rolled_forward_lists_the_new_plan_and_what_was_copied_under_it(sro, plan, action):
    from plans.editing.creating import plan_roll_forward

    new = plan_roll_forward(user=sro, plan=plan, financial_year=2022)

    listed = entries(plan_id=new.pk)
    assert {(e.what, e.kind) for e in listed} >= {
        ("Plan", "Created"),
        ("Theme", "Created"),
        ("Objective", "Created"),
        ("Key action", "Created"),
    }
    assert {e.who for e in listed} == {"Nancy Meehan"}
    assert not [e for e in entries(plan_id=plan.pk) if e.kind == "Changed" and e.what == "Plan"]

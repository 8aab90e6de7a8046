"""What changed since the last board (issue 10): the report, or a paper, against the previous published paper.

A snapshot (report.snapshots) is plain data: each key action's RAG and update, each measure's latest RAG, each
risk's score and status. Publishing stores one with every paper (PublishedPaper.data), and that stored snapshot
is what later reports compare with. `board_changes(previous, current, ...)` compares two snapshots and touches
no database. The live report compares in parts kept beside its own (`board_changes_for_report`: a theme's actions
from the rows the report reads anyway); a page that wants the lists for several plans (an SRO's "needs my
attention") reads each plan's previous paper and live snapshot (`board_changes_for_plans`: a fixed number of
queries a plan, whatever its size); components/board_changes.html shows them.

"The previous published paper" for a report or paper of quarter Q is the latest version of the most recent
quarter before Q that has one: versions 1 and 2 of Q compare with the same last board.
"""

from __future__ import annotations

import datetime
import functools
import html
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from core.calendar import FinancialQuarter, end_of_day
from core.data_versions import data_versions_watch
from core.panels import Panel
from kpis.panels import KPIS
from plans.models import Plan, Rag
from plans.panels import PLANS, THEMES, rag_badge_html, theme_actions_version, theme_actions_versions
from report.context import ReportContext
from report.models import PublishedPaper
from report.snapshots import board_snapshot, paper_data, theme_snapshot_actions
from risks.models import RiskStatus, band_for_score
from risks.panels import RISKS

# The report app's data version (core.data_versions): a paper published, reopened or removed.
PAPERS = "report:published-papers"

NO_EARLIER_PAPER_MESSAGE = (
    "There is no published paper for a quarter before {quarter} to compare with, so nothing is listed as changed "
    "since the last board. Once a quarter's paper is published, the next quarter's report lists what changed."
)
COMPARED_WITH_MESSAGE = "Compared with {paper}, published on {published}."
PAPER_NAME = "the {quarter} paper (version {version})"
NOTHING_CHANGED_MESSAGE = (
    "Nothing has changed since the {previous} paper: no RAG, measure or risk has moved, and every key action has "
    "a {quarter} update."
)
# Each list's title, for the page, the PDF and the Word file alike.
LIST_TITLES = {
    "rag": "Key actions whose {quarter} RAG differs from the {previous} paper, by owner",
    "new_red": "Key actions Red now and not Red in the {previous} paper, by owner",
    "no_update": "Key actions with no update for {quarter}, by owner",
    "measures": "Measures whose latest figure moved RAG band since the {previous} paper",
    "risks_rescored": "Risks rescored since the {previous} paper",
    "risks_new": "Risks new since the {previous} paper",
    "risks_closed": "Risks open in the {previous} paper and closed or removed since",
}
NO_OWNER = "No owner"
SHORT_WORDS = 14


# The comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousPaper:
    """The published paper a report is compared with."""

    plan_title: str
    quarter: FinancialQuarter
    version: int
    published_at: datetime.datetime
    url: str

    @property
    def quarter_label(self) -> str:
        return self.quarter.label

    @property
    def name(self) -> str:
        return PAPER_NAME.format(quarter=self.quarter.label, version=self.version)

    @property
    def compared_with(self) -> str:
        """Return the sentence naming the paper, e.g. "Compared with the Q1 2021/22 paper (version 1), ..."."""
        return COMPARED_WITH_MESSAGE.format(paper=self.name, published=date_format(self.published_at, "j F Y"))

    @property
    def compared_with_html(self) -> SafeString:
        """Return the same sentence with the paper's name linking to its page."""
        return format_html(
            COMPARED_WITH_MESSAGE,
            paper=format_html('<a href="{}">{}</a>', self.url, self.name),
            published=date_format(self.published_at, "j F Y"),
        )


def _short(description: str) -> str:
    # Split by hand, not django.utils.text.Truncator (slower, and a list can hold every action).
    words = html.unescape(description).split()
    return " ".join(words) if len(words) <= SHORT_WORDS else " ".join(words[:SHORT_WORDS]) + "…"


@dataclass(frozen=True)
class ActionChange:
    """A key action in one of the lists: its RAG then (in the previous paper; "" if not set or not there) and now."""

    id: int
    description: str
    owner: str
    rag_from: str
    rag_to: str
    new: bool = False  # not in the previous paper

    @property
    def short_description(self) -> str:
        return _short(self.description)


@dataclass(frozen=True)
class OwnerGroup:
    """One owner's actions in a list."""

    owner: str
    actions: list[ActionChange]


@dataclass(frozen=True)
class MeasureMove:
    """A measure whose latest figure's RAG moved band since the previous paper."""

    id: int
    ref: str
    title: str
    rag_from: str
    rag_to: str
    month: datetime.date | None
    display: str


@dataclass(frozen=True)
class RiskChange:
    """A risk rescored, new or closed since the previous paper (`score_from` None when new)."""

    id: int
    ref: int
    description: str
    score_from: int | None
    score_to: int | None

    @property
    def band_to(self) -> str:
        band = band_for_score(self.score_to)
        return band.label if band else ""

    @property
    def short_description(self) -> str:
        return Truncator(self.description).words(SHORT_WORDS)


def _by_owner(actions: Iterable[ActionChange]) -> list[OwnerGroup]:
    groups: dict[str, list[ActionChange]] = {}
    for action in actions:
        groups.setdefault(action.owner or NO_OWNER, []).append(action)
    return [OwnerGroup(owner=owner, actions=groups[owner]) for owner in sorted(groups)]


ARROW = mark_safe('<span class="changes-arrow" aria-hidden="true">→</span><span class="visually-hidden">to</span>')


@functools.cache
def _rag_move_html(rag_from: str | None, rag_to: str) -> SafeString:
    """Return ": <from> → <to>" as RAG badges (from None: the action is new since the paper), made once a pair."""
    if rag_from is None:
        return format_html(": {} (new since the last board)", rag_badge_html(rag_to))
    return format_html(": {} {} {}", rag_badge_html(rag_from), ARROW, rag_badge_html(rag_to))


@dataclass
class BoardChanges:
    """What changed since the previous published paper (`previous`; None when there is none, and then nothing is
    listed). Actions link to their anchors on the report: `link_base` is the report's URL from another page
    ("" on the report itself, or with `linked` False, as in a paper's Word file, no links)."""

    quarter: FinancialQuarter
    previous: PreviousPaper | None
    rag_changes: list[ActionChange] = field(default_factory=list)
    new_reds: list[ActionChange] = field(default_factory=list)
    not_updated: list[ActionChange] = field(default_factory=list)
    measures_moved: list[MeasureMove] = field(default_factory=list)
    risks_rescored: list[RiskChange] = field(default_factory=list)
    new_risks: list[RiskChange] = field(default_factory=list)
    closed_risks: list[RiskChange] = field(default_factory=list)
    link_base: str = ""
    linked: bool = True
    # Before each list's id, where several plans' sections share a page (Needs my attention): "<slug>-".
    id_prefix: str = ""

    @property
    def no_earlier_paper(self) -> str:
        return NO_EARLIER_PAPER_MESSAGE.format(quarter=self.quarter.label)

    @property
    def nothing_changed(self) -> str:
        previous = self.previous.quarter_label if self.previous else ""
        return NOTHING_CHANGED_MESSAGE.format(previous=previous, quarter=self.quarter.label)

    @property
    def titles(self) -> dict[str, str]:
        """Return each list's title (LIST_TITLES) for this quarter and paper."""
        previous = self.previous.quarter_label if self.previous else ""
        return {key: title.format(quarter=self.quarter.label, previous=previous) for key, title in LIST_TITLES.items()}

    @property
    def has_changes(self) -> bool:
        return any(count for _, _, count in self.counts)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """Return (anchor, label, count) of each list, in the section's order."""
        return [
            (f"{self.id_prefix}changes-rag", "RAG changed", len(self.rag_changes)),
            (f"{self.id_prefix}changes-new-red", "New Red", len(self.new_reds)),
            (f"{self.id_prefix}changes-no-update", f"No {self.quarter.label} update", len(self.not_updated)),
            (f"{self.id_prefix}changes-measures", "Measures moved RAG", len(self.measures_moved)),
            (f"{self.id_prefix}changes-risks-rescored", "Risks rescored", len(self.risks_rescored)),
            (f"{self.id_prefix}changes-risks-new", "New risks", len(self.new_risks)),
            (f"{self.id_prefix}changes-risks-closed", "Risks closed", len(self.closed_risks)),
        ]

    def _groups_html(self, actions: list[ActionChange], detail) -> SafeString:
        # f-strings of escaped parts, not format_html per action (too slow for 640 actions at ten times Torbay's
        # size); `detail(action)` returns markup made once per pair of RAGs (_rag_move_html).
        link_base = escape(self.link_base)
        parts = []
        for group in _by_owner(actions):
            parts.append(f"<dt>{escape(group.owner)} ({len(group.actions)})</dt>")
            for a in group.actions:
                text = escape(a.short_description)
                if self.linked:
                    text = f'<a href="{link_base}#action-{int(a.id)}">{text}</a>'
                parts.append(f"<dd>{text}{detail(a)}</dd>")
        return mark_safe("".join(parts))

    @property
    def rag_changes_html(self) -> SafeString:
        return self._groups_html(self.rag_changes, lambda a: _rag_move_html(a.rag_from, a.rag_to))

    @property
    def new_reds_html(self) -> SafeString:
        return self._groups_html(self.new_reds, lambda a: _rag_move_html(None if a.new else a.rag_from, a.rag_to))

    @property
    def measures_moved_html(self) -> SafeString:
        def link(move: MeasureMove) -> SafeString:
            name = f"{move.ref} {move.title}"
            if not self.linked:
                return format_html("{}", name)
            return format_html('<a href="{}#measure-{}">{}</a>', self.link_base, move.id, name)

        return format_html_join(
            "",
            "<li>{}: {} {} {}, {}{}</li>",
            (
                (
                    link(m),
                    rag_badge_html(m.rag_from),
                    ARROW,
                    rag_badge_html(m.rag_to),
                    m.display,
                    f" in {date_format(m.month, 'M Y')}" if m.month else "",
                )
                for m in self.measures_moved
            ),
        )

    @property
    def not_updated_html(self) -> SafeString:
        return self._groups_html(self.not_updated, lambda a: "")

    @property
    def not_updated_by_owner(self) -> list[OwnerGroup]:
        return _by_owner(self.not_updated)

    @property
    def rag_changes_by_owner(self) -> list[OwnerGroup]:
        return _by_owner(self.rag_changes)

    @property
    def new_reds_by_owner(self) -> list[OwnerGroup]:
        return _by_owner(self.new_reds)


def _rag(value: str | None) -> str:
    return value or ""


def _measure_rag(measure: dict) -> str:
    return _rag((measure.get("latest") or {}).get("rag"))


def _compare_actions(changes: BoardChanges, previous: dict, current: dict) -> None:
    before = {a["id"]: a for a in previous.get("actions", [])}
    for action in current.get("actions", []):
        then = before.get(action["id"])
        now_rag, then_rag = _rag(action.get("rag")), _rag(then.get("rag") if then else "")
        change = ActionChange(
            id=action["id"],
            description=action.get("description", ""),
            owner=action.get("owner") or "",
            rag_from=then_rag,
            rag_to=now_rag,
            new=then is None,
        )
        if then is not None and now_rag and now_rag != then_rag:
            changes.rag_changes.append(change)
        if now_rag == Rag.RED and then_rag != Rag.RED:
            changes.new_reds.append(change)
        if (action.get("update") or {}).get("quarter") != changes.quarter.label:
            changes.not_updated.append(change)


def _compare_measures(changes: BoardChanges, previous: dict, current: dict) -> None:
    before = {m["id"]: m for m in previous.get("measures", [])}
    for measure in current.get("measures", []):
        then = before.get(measure["id"])
        now_rag = _measure_rag(measure)
        if then is None or not now_rag or now_rag == _measure_rag(then):
            continue
        latest = measure["latest"]
        changes.measures_moved.append(
            MeasureMove(
                id=measure["id"],
                ref=measure["ref"],
                title=measure["title"],
                rag_from=_measure_rag(then),
                rag_to=now_rag,
                month=datetime.date.fromisoformat(latest["month"]) if latest.get("month") else None,
                display=latest.get("display", ""),
            )
        )


def _risk_change(risk: dict, *, score_from: int | None, score_to: int | None) -> RiskChange:
    description = risk.get("description", "")
    return RiskChange(id=risk["id"], ref=risk["ref"], description=description, score_from=score_from, score_to=score_to)


def _compare_risks(changes: BoardChanges, previous: dict, current: dict) -> None:
    before = {r["id"]: r for r in previous.get("risks", [])}
    now = {r["id"]: r for r in current.get("risks", [])}
    for risk in sorted(now.values(), key=lambda r: r["ref"]):
        then = before.get(risk["id"])
        is_open = risk.get("status") == RiskStatus.OPEN
        entry = _risk_change(risk, score_from=then.get("score") if then else None, score_to=risk.get("score"))
        if then is None:
            if is_open:
                changes.new_risks.append(entry)
        elif then.get("status") == RiskStatus.OPEN and not is_open:
            changes.closed_risks.append(entry)
        elif risk.get("score") != then.get("score"):
            changes.risks_rescored.append(entry)
    gone = [r for r in before.values() if r["id"] not in now and r.get("status") == RiskStatus.OPEN]
    changes.closed_risks.extend(_risk_change(r, score_from=r.get("score"), score_to=None) for r in gone)
    changes.closed_risks.sort(key=lambda r: r.ref)


def board_changes(previous: dict, current: dict, *, previous_paper: PreviousPaper | None = None) -> BoardChanges:
    """Return what changed from the `previous` snapshot (a paper's data) to `current` (the same shape).

    A RAG (an action's for the quarter, a measure's latest) counts as changed only when it is set now and differs:
    a quarter whose RAGs are not yet given lists no change. New reds are Red now and not Red before (actions new
    since included). A risk is new when open and not in the paper; closed when open in the paper and closed or
    gone now; rescored when its score differs otherwise.
    """
    quarter = FinancialQuarter(current["quarter"]["financial_year"], current["quarter"]["quarter"])
    changes = BoardChanges(quarter=quarter, previous=previous_paper)
    _compare_actions(changes, previous, current)
    _compare_measures(changes, previous, current)
    _compare_risks(changes, previous, current)
    return changes


# Reads ----------------------------------------------------------------------------------------


def _papers_before(quarter: FinancialQuarter) -> Q:
    """The papers of the quarters before `quarter`."""
    same_year = Q(financial_year=quarter.financial_year, quarter__lt=quarter.quarter)
    return Q(financial_year__lt=quarter.financial_year) | same_year


def previous_paper_get(
    *, plan: Plan, quarter: FinancialQuarter, published_by: datetime.datetime | None = None
) -> PublishedPaper | None:
    """Return the paper a report or paper of `quarter` compares with (published by `published_by`, if given):
    the latest version of the most recent earlier quarter that has one, or None. One query."""
    papers = PublishedPaper.objects.filter(_papers_before(quarter), plan=plan)
    if published_by is not None:
        papers = papers.filter(published_at__lte=published_by)
    return papers.order_by("-financial_year", "-quarter", "-version").first()


def _previous(plan: Plan, paper: PublishedPaper) -> PreviousPaper:
    kwargs = {"slug": plan.slug, "year": paper.financial_year, "quarter": paper.quarter, "version": paper.version}
    return PreviousPaper(
        plan_title=plan.title,
        quarter=FinancialQuarter(paper.financial_year, paper.quarter),
        version=paper.version,
        published_at=paper.published_at,
        url=reverse("published:paper", kwargs=kwargs),
    )


def board_changes_for_plans(wanted: Iterable[tuple[Plan, FinancialQuarter]]) -> dict[int, BoardChanges]:
    """Return, by plan id, what changed since each plan's last board for the report of its quarter, linked to the
    plan's report and with ids of its own (Needs my attention lists several plans on one page).

    Two queries find every plan's earlier paper, then six for each plan that has one (its live data)."""
    wanted = list(wanted)
    if not wanted:
        return {}
    earlier = Q()
    for plan, quarter in wanted:
        earlier |= Q(plan_id=plan.pk) & _papers_before(quarter)
    latest: dict[int, PublishedPaper] = {}
    papers = PublishedPaper.objects.filter(earlier).defer("data")
    for paper in papers.order_by("-financial_year", "-quarter", "-version"):
        latest.setdefault(paper.plan_id, paper)
    data = dict(PublishedPaper.objects.filter(pk__in=[p.pk for p in latest.values()]).values_list("pk", "data"))
    found = {}
    for plan, quarter in wanted:
        link_base = f"{reverse('report')}?plan={plan.slug}&year={quarter.financial_year}&quarter={quarter.quarter}"
        paper = latest.get(plan.pk)
        if paper is None:
            changes = BoardChanges(quarter=quarter, previous=None)
        else:
            current = board_snapshot(plan=plan, quarter=quarter)
            changes = board_changes(data[paper.pk], current, previous_paper=_previous(plan, paper))
        changes.link_base, changes.id_prefix = link_base, f"{plan.slug}-"
        found[plan.pk] = changes
    return found


def board_changes_for_report(report_context: ReportContext) -> BoardChanges:
    """Return what changed since the last board for the report (or paper) of this context: now, or as it stood
    at the end of its as-at day against the papers published by then (from the report's own reads)."""
    plan, quarter = report_context.plan, report_context.quarter
    if report_context.as_at is None:
        return _board_changes_in_parts(report_context)
    paper = previous_paper_get(plan=plan, quarter=quarter, published_by=end_of_day(report_context.as_at))
    if paper is None:
        return BoardChanges(quarter=quarter, previous=None)
    return board_changes(paper.data, paper_data(report_context), previous_paper=_previous(plan, paper))


@functools.lru_cache(maxsize=8)  # a paper per plan a council reports on, and room to spare
def _paper_data_kept(paper_pk: int, published_at: datetime.datetime) -> dict:
    """Return a published paper's data, read once per process: it never changes once published (a correction is a
    new version). Shared: read it, never change it."""
    return PublishedPaper.objects.values_list("data", flat=True).get(pk=paper_pk)


def _paper_saved_or_deleted(**kwargs) -> None:
    # Ids are not reused in production; in a test run, a rolled-back paper's id can be (SQLite).
    _paper_data_kept.cache_clear()


def _paper_compared_with(report_context: ReportContext) -> tuple[PreviousPaper | None, int | None]:
    """Return the paper the live report compares with and its pk (None, None when there is none), kept beside the
    report's parts while no paper is published, reopened or removed."""
    plan, quarter = report_context.plan, report_context.quarter

    def found() -> tuple[PreviousPaper | None, int | None]:
        paper = previous_paper_get(plan=plan, quarter=quarter)
        return (None, None) if paper is None else (_previous(plan, paper), paper.pk)

    return report_context.summary("changes:paper", (PAPERS,), found)


def _board_changes_parts(report_context: ReportContext) -> dict[str, tuple[str, ...]]:
    """Return the parts the live section is compared in, each with the data versions it reads."""
    parts = {
        f"changes:theme:{block.theme.pk}": (*theme_actions_versions(block.theme.pk), PAPERS)
        for block in report_context.theme_blocks
    }
    parts.update({"changes:measures": (KPIS, PAPERS), "changes:risks": (RISKS, PAPERS)})
    return parts


def _board_changes_in_parts(report_context: ReportContext) -> BoardChanges:
    """Return what changed since the last board now, compared in parts that the report's cache keeps under the
    versions each reads: each theme's actions, the measures, the register (and the paper compared with). After
    one action update only that theme's part is compared again, from the rows the report reads for that theme
    anyway; the paper's data is read once per process. Where several parts are stale they are read together (a
    fixed number of queries whatever the plan's size)."""
    quarter = report_context.quarter
    previous, paper_pk = _paper_compared_with(report_context)
    if previous is None:
        return BoardChanges(quarter=quarter, previous=None)
    parts = _board_changes_parts(report_context)
    stale = [name for name, versions in parts.items() if not report_context.summary_is_current(name, versions)]
    fresh: dict[str, BoardChanges] = {}

    def compared(names: list[str]) -> None:
        then = _paper_data_kept(paper_pk, previous.published_at)
        fresh.update(_compare_parts(then, report_context=report_context, names=names))

    if stale:  # every stale part read together: one read of each kind of live data
        compared(stale)
    changes = BoardChanges(quarter=quarter, previous=previous)
    for name, versions in parts.items():
        part = report_context.summary(name, versions, lambda name=name: _fresh(fresh, name, compared))
        for attribute in LIST_ATTRIBUTES:
            getattr(changes, attribute).extend(getattr(part, attribute))
    return changes


def _fresh(fresh: dict[str, BoardChanges], name: str, compared) -> BoardChanges:
    if name not in fresh:  # current when looked at, gone from the cache since: compared now, alone
        compared([name])
    return fresh[name]


LIST_ATTRIBUTES = ("rag_changes", "new_reds", "not_updated", "measures_moved", "risks_rescored", "new_risks")
LIST_ATTRIBUTES += ("closed_risks",)
NOTHING = {"actions": [], "measures": [], "risks": []}


def _compared_alone(then: dict, now: dict, kind: str, rows: list[dict]) -> BoardChanges:
    # The other kinds left out on both sides: a part that reads no register must not call the paper's risks closed.
    return board_changes({**then, **NOTHING, kind: then.get(kind, [])}, {**now, **NOTHING, kind: rows})


def _compare_parts(then: dict, *, report_context: ReportContext, names: list[str]) -> dict[str, BoardChanges]:
    """Return each named part of the section ("changes:theme:<pk>", "changes:measures", "changes:risks") compared
    with the paper's data `then`: a theme's actions from the rows the report read for it (report.snapshots.
    theme_snapshot_actions), the measures and the register from one read each (report.snapshots.board_snapshot)."""
    kinds = {kind for kind in ("measures", "risks") if f"changes:{kind}" in names}
    plan, quarter = report_context.plan, report_context.quarter
    now = board_snapshot(plan=plan, quarter=quarter, theme_pks=(), parts=kinds)
    blocks = {block.theme.pk: block for block in report_context.theme_blocks}
    found = {}
    for name in names:
        if name.startswith("changes:theme:"):
            rows = theme_snapshot_actions(report_context, blocks[int(name.rsplit(":", 1)[1])])
            found[name] = _compared_alone(then, now, "actions", rows)
    for kind in kinds:
        found[f"changes:{kind}"] = _compared_alone(then, now, kind, now[kind])
    return found


# The report's section -------------------------------------------------------------------------


class BoardChangesPanel(Panel):
    """What changed since the last board, right after at a glance."""

    order = 26  # after at a glance (25), before the overall narrative (30)
    template_name = "report/panels/changes_since_board.html"

    def __init__(self, report_context: ReportContext):
        # Exactly what it reads: the key actions (PLANS) in the themes' order (THEMES), their updates and RAGs
        # (each theme's version), the measures, the register and the published papers.
        themes = [theme_actions_version(block.theme.pk) for block in report_context.theme_blocks]
        self.data_versions = (PLANS, THEMES, *themes, KPIS, RISKS, PAPERS)

    def prepare(self, *, report_context):
        # The themes whose part must be compared again are read with the themes rebuilt, in one go.
        if report_context.as_at is None and _paper_compared_with(report_context)[0] is not None:
            report_context.themes_wanted(
                int(name.rsplit(":", 1)[1])
                for name, versions in _board_changes_parts(report_context).items()
                if name.startswith("changes:theme:") and not report_context.summary_is_current(name, versions)
            )

    def get_context_data(self, *, report_context):
        return {"changes": board_changes_for_report(report_context)}


def data_version_names(model: type, instance) -> tuple[str, ...]:
    """Return the data versions a saved or deleted row of the report app belongs to: PAPERS for a published
    paper, none for a paper build (a download's record, which no report shows)."""
    return (PAPERS,) if model is PublishedPaper else ()


def register() -> None:
    """Watch the published papers (called from ReportConfig.ready)."""
    data_versions_watch("report", data_version_names)
    for signal in (post_save, post_delete):
        signal.connect(_paper_saved_or_deleted, sender=PublishedPaper, dispatch_uid="changes:paper-data", weak=False)

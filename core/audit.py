"""The audit trail: who changed what, when, from what to what, read from the apps' history tables.

Each app registers its history sources in its `AppConfig.ready()` with one call per model,
`audit_source_register(Model, label=..., plan=...)`, and the plans app says which plans there are with
`audit_plans_register(...)`. Core imports nothing of ours: it learns the models from the registrations.

Reading is done in bulk: a page of changes takes one query for its keys (newest first, across every
source), one for the count, two per source that has rows on the page (the rows with their previous
version's id, then those previous versions) and one per kind of related row named in a change (people,
themes...), however many rows the page holds.
"""

from __future__ import annotations

import datetime
import html
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import strip_tags

from core.calendar import end_of_day

# Bookkeeping every save moves on; a change to them alone is not a change a person made.
NOT_SHOWN = ("id", "version", "updated_at", "created_at")
KIND_CREATED, KIND_CHANGED, KIND_DELETED = "Created", "Changed", "Deleted"
KINDS = {"+": KIND_CREATED, "~": KIND_CHANGED, "-": KIND_DELETED}
EMPTY = "(empty)"
NOT_RECORDED = "(not recorded: history began later)"
NO_ONE = "No one signed in (a command or the demo data)"


@dataclass(frozen=True)
class AuditSource:
    """One model whose history the audit page lists."""

    key: str
    model: type[Model]
    history: type[Model]
    label: str
    plan: str | None
    fields: tuple[str, ...]
    m2m_fields: tuple[str, ...]
    html_fields: frozenset[str]
    name: Callable[[Any], str]
    link: Callable[[Any], str | None] | None
    select_related: tuple[str, ...]
    details: bool


_SOURCES: dict[str, AuditSource] = {}
_PLANS: list[Callable[[], list[tuple[int, str]]]] = []


def _default_name(row) -> str:
    return str(row.instance)


def audit_source_register(
    model: type[Model],
    *,
    label: str,
    plan: str | None = None,
    fields: Iterable[str] | None = None,
    name: Callable[[Any], str] = _default_name,
    link: Callable[[Any], str | None] | None = None,
    select_related: Iterable[str] = (),
    details: bool = False,
) -> AuditSource:
    """Add a model kept by django-simple-history (`history = HistoricalRecords()`) to the audit page.

    `plan` is the path from a historical row to its plan's id (`"plan_id"`, `"objective__theme__plan_id"`),
    for the plan filter; `fields` the fields whose changes are shown (default: every field but
    NOT_SHOWN); `name(row)` and `link(row)` name a historical row and give its page, reading only the
    row and what `select_related` joins. `details=True` lists the fields' values on a row's creation and
    deletion too (for a log whose rows are the news, such as a role granted). Links kept with
    `HistoricalRecords(m2m_fields=[...])` are shown as the rows linked before and after. Registering a model
    twice replaces the first.
    """
    history = model.history.model
    tracked = [f.name for f in model._meta.concrete_fields if f.name not in NOT_SHOWN]
    history_names = {f.name for f in history._meta.concrete_fields}
    kept_links = [f.name for f in getattr(history, "_history_m2m_fields", ())]
    if fields is not None:
        fields = tuple(fields)
        shown = tuple(n for n in fields if n not in kept_links)
        links = tuple(n for n in kept_links if n in fields)
    else:
        shown, links = tuple(n for n in tracked if n in history_names), tuple(kept_links)
    source = AuditSource(
        key=model._meta.label_lower,
        model=model,
        history=history,
        label=label,
        plan=plan,
        fields=shown,
        m2m_fields=links,
        html_fields=frozenset(getattr(model, "html_fields", ())),
        name=name,
        link=link,
        select_related=tuple(select_related),
        details=details,
    )
    _SOURCES[source.key] = source
    return source


def audit_plans_register(plans: Callable[[], list[tuple[int, str]]]) -> None:
    """Say which plans the plan filter offers: `plans()` returns (id, title) pairs in one query."""
    _PLANS[:] = [plans]


def audit_sources() -> list[AuditSource]:
    """Return the registered sources, in the order they were registered."""
    return list(_SOURCES.values())


def audit_plan_choices() -> list[tuple[int, str]]:
    """Return the (id, title) of every plan the filter offers (empty until the plans app registers)."""
    return _PLANS[0]() if _PLANS else []


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page lists: changes by one person, in one plan, between two days (each optional)."""

    person_id: int | None = None
    plan_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class AuditEntry:
    """One saved change: when, who, what, and each field's from → to."""

    when: datetime.datetime
    who: str
    what: str
    name: str
    link: str | None
    kind: str
    plan_id: int | None
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _filtered(source: AuditSource, wanted: AuditFilter) -> QuerySet | None:
    """Return the source's historical rows matching `wanted`, or None when none can (not in a plan)."""
    rows = source.history.objects.all()
    if wanted.plan_id is not None:
        if source.plan is None:
            return None
        rows = rows.filter(**{source.plan: wanted.plan_id})
    if wanted.person_id is not None:
        rows = rows.filter(history_user_id=wanted.person_id)
    if wanted.since is not None:
        start = timezone.make_aware(datetime.datetime.combine(wanted.since, datetime.time.min))
        rows = rows.filter(history_date__gte=start)
    if wanted.until is not None:
        rows = rows.filter(history_date__lte=end_of_day(wanted.until))
    return rows


def audit_keys(wanted: AuditFilter) -> QuerySet | list:
    """Return (source key, history id, date) of every matching change, newest first, as one query."""
    parts = [
        rows.order_by().annotate(audit_source=Value(source.key)).values("audit_source", "history_id", "history_date")
        for source in audit_sources()
        if (rows := _filtered(source, wanted)) is not None
    ]
    if not parts:
        return []
    keys = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return keys.order_by("-history_date", "-history_id")


def _with_previous(source: AuditSource, ids: list[int]) -> QuerySet:
    """The rows `ids` with the id of each one's previous version (same object, saved just before)."""
    history = source.history
    earlier = history.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    rows = history.objects.filter(history_id__in=ids).select_related("history_user", *source.select_related)
    rows = rows.annotate(
        audit_previous=Subquery(earlier.order_by("-history_date", "-history_id").values("history_id")[:1]),
        audit_live=Exists(source.model._default_manager.filter(pk=OuterRef("id"))),
    )
    if source.plan is not None:
        rows = rows.annotate(audit_plan=F(source.plan))
    return rows


def _person(user) -> str:
    if user is None:
        return NO_ONE
    return user.get_full_name() or user.username


def _text(value: str) -> str:
    """Narrative HTML as the words a person reads: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(value)).split())


class _Related:
    """Names of the rows foreign keys point at, fetched once per related model for a whole page."""

    def __init__(self):
        self.wanted: dict[type[Model], set] = defaultdict(set)
        self.names: dict[tuple[type[Model], Any], str] = {}

    def want(self, model_field, value) -> None:
        if value is not None:
            self.wanted[model_field.related_model].add(value)

    def fetch(self) -> None:
        user_model = _user_model()
        for model, ids in self.wanted.items():
            for pk, obj in model._default_manager.in_bulk(list(ids)).items():
                self.names[(model, pk)] = _person(obj) if model is user_model else str(obj)

    def name(self, model_field, value) -> str:
        return self.names.get((model_field.related_model, value), f"(removed, id {value})")


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def _plain(value) -> str:
    """Return a value that is not a relation, a choice nor narrative as a person reads it."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _shown(source: AuditSource, model_field, value, related: _Related) -> str:
    """Return a field's value as a person reads it."""
    if isinstance(value, frozenset):
        return "; ".join(sorted(related.name(model_field, pk) for pk in value)) or EMPTY
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation:
        return related.name(model_field, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.name in source.html_fields:
        return _text(str(value)) or EMPTY
    return _plain(value)


def _label(model_field) -> str:
    label = str(model_field.verbose_name)
    return label[:1].upper() + label[1:]


def _rows(keys: list[dict]) -> tuple[dict, dict, dict]:
    """Return the historical rows of `keys`, the previous versions of the changed ones, and the links
    (many-to-many fields kept with `m2m_fields`) each of those versions held, by (source, id)."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for key in keys:
        by_source[key["audit_source"]].append(key["history_id"])
    rows: dict[tuple[str, int], Any] = {}
    previous: dict[tuple[str, int], Any] = {}
    links: dict[tuple[str, int], dict[str, frozenset]] = {}
    for key, ids in by_source.items():
        source = _SOURCES[key]
        found = list(_with_previous(source, ids))
        rows.update({(key, row.history_id): row for row in found})
        wanted = [row.audit_previous for row in found if row.audit_previous is not None and row.history_type == "~"]
        if wanted:
            earlier = source.history.objects.filter(history_id__in=wanted)
            previous.update({(key, row.history_id): row for row in earlier})
        links.update(_links(source, [*ids, *wanted]))
    return rows, previous, links


def _links(source: AuditSource, history_ids: list[int]) -> dict[tuple[str, int], dict[str, frozenset]]:
    """Return, for each of these historical rows, the ids each many-to-many field linked to: one query a field."""
    held: dict[tuple[str, int], dict[str, frozenset]] = defaultdict(dict)
    for model_field in _m2m_fields(source):
        through = getattr(source.history, model_field.name).model
        target = through._meta.get_field(_m2m_target(model_field)).attname
        pairs = through.objects.filter(history_id__in=history_ids).values_list("history_id", target)
        linked: dict[int, set] = defaultdict(set)
        for history_id, pk in pairs:
            linked[history_id].add(pk)
        for history_id in history_ids:
            held[(source.key, history_id)][model_field.name] = frozenset(linked.get(history_id, ()))
    return held


def _m2m_fields(source: AuditSource) -> list:
    return [f for f in getattr(source.history, "_history_m2m_fields", ()) if f.name in source.m2m_fields]


def _m2m_target(model_field) -> str:
    """The through table's field naming the linked row (simple-history's utils.get_m2m_reverse_field_name)."""
    return model_field.m2m_reverse_field_name()


def _differences(source: AuditSource, row, before, related: _Related, links: dict) -> list[tuple]:
    """Return (field, from, to) for each shown field a change moved, asking `related` for the names it needs."""
    changed = []
    for model_field in _m2m_fields(source):
        now = links.get((source.key, row.history_id), {}).get(model_field.name, frozenset())
        then = links.get((source.key, before.history_id), {}).get(model_field.name) if before is not None else None
        if then == now:
            continue
        for pk in now | (then or frozenset()):
            related.want(model_field, pk)
        changed.append((model_field, then, now))
    for name in source.fields:
        model_field = source.model._meta.get_field(name)
        now = getattr(row, model_field.attname)
        then = getattr(before, model_field.attname) if before is not None else None
        if before is not None and then == now:
            continue
        if model_field.is_relation:
            related.want(model_field, now)
            related.want(model_field, then)
        changed.append((model_field, then, now))
    return changed


def _before(source: AuditSource, model_field, then, row, before, related: _Related) -> str:
    if row.history_type != "~":
        return ""
    return _shown(source, model_field, then, related) if before is not None else NOT_RECORDED


def _values(source: AuditSource, row, related: _Related) -> list[tuple]:
    """Return (field, None, value) for each shown field holding a value: what a created or deleted row held."""
    held = []
    for name in source.fields:
        model_field = source.model._meta.get_field(name)
        value = getattr(row, model_field.attname)
        if value is None or value == "":
            continue
        if model_field.is_relation:
            related.want(model_field, value)
        held.append((model_field, None, value))
    return held


def _row_changes(source: AuditSource, row, before, related: _Related, links: dict) -> list[tuple]:
    if row.history_type == "~":
        return _differences(source, row, before, related, links)
    return _values(source, row, related) if source.details else []


def audit_entries(keys: Iterable[dict]) -> list[AuditEntry]:
    """Return the entries of the given (audit_source, history_id) keys, in their order, with every from → to."""
    keys = list(keys)
    rows, previous, links = _rows(keys)
    related = _Related()
    found = []
    for key in keys:
        row = rows.get((key["audit_source"], key["history_id"]))
        if row is None:
            continue
        source = _SOURCES[key["audit_source"]]
        before = previous.get((source.key, row.audit_previous)) if row.history_type == "~" else None
        changed = _row_changes(source, row, before, related, links)
        found.append((source, row, before, changed))
    related.fetch()
    entries = []
    for source, row, before, changed in found:
        entry = AuditEntry(
            when=row.history_date,
            who=_person(row.history_user),
            what=source.label,
            name=source.name(row),
            link=source.link(row) if source.link is not None and row.audit_live else None,
            kind=KINDS.get(row.history_type, KIND_CHANGED),
            plan_id=getattr(row, "audit_plan", None),
            reason=row.history_change_reason or "",
        )
        entry.changes = [
            FieldChange(
                label=_label(model_field),
                before=_before(source, model_field, then, row, before, related),
                after=_shown(source, model_field, now, related),
            )
            for model_field, then, now in changed
        ]
        entries.append(entry)
    return entries


def audit_people() -> list[tuple[int, str]]:
    """Return (id, name) of everyone who could have made a change, by name, in one query."""
    users = _user_model()._default_manager.order_by("first_name", "last_name", "username")
    return [(user.pk, _person(user)) for user in users.only("pk", "first_name", "last_name", "username")]

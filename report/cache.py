"""The report kept in the shared cache in parts, each rebuilt only when the data it shows changes.

Each app owns its data versions (core.data_versions, bumped from its own panels.py); each panel names the
versions its HTML is built from (`Panel.data_versions`, or every version). For one choice of report (plan,
quarter, as-at date, months, day) the cache holds one bundle: the panels' order, each part with the versions
it was built from, and the summaries kept beside them (ReportContext.summary: each theme's share of at a
glance, the measures and risks it lists), each with the versions it was read under. The bundle names each
part's HTML and each summary by the digest of its bytes, kept in a row of its own (a blob): a rebuild writes
the bundle and the blobs it made, in one statement, not the parts it kept (at ten times Torbay's size the
whole report is about half a megabyte; an action update changes a few kilobytes of it). A request reads the
bundle and ANY in one go, then the blobs it needs; when ANY is the one the bundle was written under, nothing
has changed and every part is served. Otherwise it reads the versions and rebuilds only the parts whose
versions moved (an action update: that theme's actions, and at a glance from the kept shares of the other
themes; a KPI value: the KPI tables and at a glance), and any whose blob is gone (culled). The parts to
rebuild say first what they will read (Panel.prepare), so that they read it together, and only that: an
action update reads its own theme's actions, not the plan's.

Only one request rebuilds a report's parts at a time (a lock taken with cache.add, for LOCK_SECONDS);
the others meanwhile serve the previous copy, or wait for the new one when there is none (after a release or on
a new day: otherwise every reader would build the whole report at once). What differs between readers (the
"Update" buttons) is never in a part: panels leave markers that core.panels' personalisers fill in for each
reader.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import pickle
import re
import zlib
from dataclasses import dataclass, field
from time import monotonic, sleep

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from core.cache import cache_set_many_freeing
from core.data_versions import ANY, data_versions_read, data_versions_read_with, version_key
from core.panels import Panel, panels_personalise

# The global data version: changed by every change any app makes (stored papers are kept under it).
TOKEN_KEY = version_key(ANY)
# The code that renders the report: a release that changes any of it must not serve parts rendered
# by the one before, so its digest is part of every key.
CODE_FOLDERS = ("core", "plans", "kpis", "risks", "report", "templates")
CODE_SUFFIXES = (".py", ".html")
# A bundle and its blobs are kept for a day: a bundle is for one day (its key names it), and every blob it names
# was written that day, by its first build or a rebuild since.
REPORT_TIMEOUT = 24 * 60 * 60
BLOB_PREFIX = "report-blob:"
# How long one request may hold a report's rebuild before another takes it over; readers meanwhile serve
# the previous copy, so no one is shown data older than this after a change.
LOCK_SECONDS = 5
# How often a request waiting for another to build a report from nothing looks for it.
WAIT_SECONDS = 0.05
PART_MARKER = re.compile(r"<!--report-part:([^>]+?)-->")


@functools.cache
def code_version() -> str:
    """Return a digest of the code and templates that render the report, read once per process."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in CODE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "migrations" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def report_data_token() -> str:
    """Return the token naming the current state of all the data (changed by any change)."""
    return data_versions_read(())[ANY]


def report_cache_key(*, report_context, today: datetime.date) -> str:
    """Return the cache key of the bundle of parts for one choice of report (the same for every reader)."""
    plan, quarter = report_context.plan, report_context.quarter
    as_at = report_context.as_at.isoformat() if report_context.as_at else "now"
    months = "all" if report_context.months_of_year is None else "year"
    return (
        f"report:{code_version()}:{plan.pk}:{plan.slug}:{quarter.financial_year}-{quarter.quarter}:{as_at}:"
        f"{'pdf' if report_context.pdf else 'html'}:{months}:{today.isoformat()}"
    )


@dataclass
class Part:
    """A panel of the report as its cache knows it: its name, the versions it reads, where its children go."""

    name: str
    versions: tuple[str, ...]
    children: list[str] = field(default_factory=list)
    panel: Panel | None = None


@dataclass
class Bundle:
    """What the cache keeps for one choice of report: what it is made of, each piece named by its blob's key."""

    any_version: str
    order: list[str]  # the top-level parts, in order
    children: dict[str, list[str]]  # a part → its children, in order
    # A part → (the versions it was built from, the blob of its HTML, compressed).
    parts: dict[str, tuple[dict[str, str], str]]
    # The summaries (Summaries.for_bundle): each with the versions it was read under and the blob of its value,
    # pickled and compressed on its own, so that a rebuild unpickles only those it uses and passes the others on.
    summaries: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)

    def part_blobs(self) -> list[str]:
        return [blob for _, blob in self.parts.values()]

    def summary_blobs(self) -> list[str]:
        return [blob for _, blob in self.summaries.values()]

    def version_names(self) -> set[str]:
        """Return the data versions its parts and summaries were built from."""
        return {name for built_from, _ in (*self.parts.values(), *self.summaries.values()) for name in built_from}


def blob_key(data: bytes) -> str:
    """Return the cache key of a blob: the digest of its bytes (the same bytes are kept once)."""
    return BLOB_PREFIX + hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Copy:
    """A report's bundle as read from the cache, with the blobs found of those it names (a blob may be gone)."""

    bundle: Bundle
    blobs: dict[str, bytes]

    def part(self, name: str) -> tuple[dict[str, str], bytes] | None:
        """Return a part's versions and compressed HTML, or None when it is not in the bundle or its blob is gone."""
        found = self.bundle.parts.get(name)
        if found is None or found[1] not in self.blobs:
            return None
        return found[0], self.blobs[found[1]]

    @property
    def complete(self) -> bool:
        return all(blob in self.blobs for blob in self.bundle.part_blobs())

    def summaries(self) -> dict[str, tuple[dict[str, str], bytes]]:
        return {
            name: (built_from, self.blobs[blob])
            for name, (built_from, blob) in self.bundle.summaries.items()
            if blob in self.blobs
        }


def _layout(report_context, panels: list[Panel]) -> dict[str, Part]:
    """Return every part of the report (top level first, in order), named, with its children."""
    parts: dict[str, Part] = {}

    def add(panel: Panel, name: str) -> Part:
        part = Part(name=name, versions=panel.data_versions or (ANY,), panel=panel)
        parts[name] = part
        for index, child in enumerate(panel.child_panels(report_context=report_context)):
            child_name = f"{name}/{index}:{child.cache_name()}"
            part.children.append(child_name)
            add(child, child_name)
        return part

    for index, panel in enumerate(panels):
        add(panel, f"{index}:{panel.cache_name()}")
    return parts


def _current(built_from: dict[str, str], versions: dict[str, str]) -> bool:
    return all(versions.get(name) == token for name, token in built_from.items())


def _render(part: Part, report_context) -> str:
    panel = part.panel
    if not panel.is_shown(report_context=report_context):
        return ""
    panel.child_html = [mark_safe(f"<!--report-part:{child}-->") for child in part.children]
    return panel.render_html(report_context=report_context)


def _compose(copy: Copy, html: dict[str, str] | None = None) -> str:
    """Return the report's HTML from a complete copy, taking the parts just rendered from `html`."""
    html = html if html is not None else {}
    bundle = copy.bundle

    def text(name: str) -> str:
        if name not in html:
            html[name] = zlib.decompress(copy.blobs[bundle.parts[name][1]]).decode()
        return html[name]

    def whole(name: str) -> str:
        own = text(name)
        if not bundle.children.get(name):
            return own
        return PART_MARKER.sub(lambda match: whole(match[1]), own)

    return "".join(whole(name) for name in bundle.order)


def _packed(value) -> bytes:
    return zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1)


class Memo:
    """Values each made from exactly what its key names (rendered rows keyed by a digest of all they show), kept
    from one rebuild of the report to the next whatever changed: only those used by the latest are kept."""

    def __init__(self, previous: dict | None = None):
        self.previous, self.used = previous or {}, {}
        self.made = False  # a value made, not found kept

    def get(self, key, make):
        if key not in self.used:
            if key in self.previous:
                self.used[key] = self.previous[key]
            else:
                self.used[key], self.made = make(), True
        return self.used[key]

    @property
    def unchanged(self) -> bool:
        return not self.made and self.used.keys() == self.previous.keys()


class Summaries:
    """The summaries a report's bundle keeps beside its parts (report.context.ReportContext.summary): each
    served while the data versions it was read under are current, else computed again and kept; and its memos
    (ReportContext.memo), kept whatever changed."""

    def __init__(self, previous: dict[str, tuple[dict[str, str], bytes]], versions: dict[str, str]):
        self.previous, self.versions = previous, versions
        self.kept: dict[str, tuple[dict[str, str], object]] = {}
        self.as_kept: set[str] = set()  # kept, served as they were: passed on packed as they were

    def _read(self, names: tuple[str, ...]) -> None:
        # Names no part reads are read now, once (none today: every summary reads what some part reads).
        missing = [name for name in names if name not in self.versions]
        if missing:
            found = data_versions_read(missing)
            self.versions.update({name: found[name] for name in missing})

    def is_current(self, name: str, versions: tuple[str, ...]) -> bool:
        self._read(versions)
        found = self.previous.get(name)
        return found is not None and found[0].keys() == set(versions) and _current(found[0], self.versions)

    def get(self, name: str, versions: tuple[str, ...], compute):
        if name not in self.kept:
            if self.is_current(name, versions):
                built_from, packed = self.previous[name]
                self.kept[name] = (built_from, pickle.loads(zlib.decompress(packed)))
                self.as_kept.add(name)
            else:
                value = compute()
                self.kept[name] = ({version: self.versions[version] for version in versions}, value)
        return self.kept[name][1]

    def memo(self, name: str) -> Memo:
        if name not in self.kept:
            previous = pickle.loads(zlib.decompress(self.previous[name][1])) if name in self.previous else {}
            self.kept[name] = ({}, Memo(previous))
        return self.kept[name][1]

    def for_bundle(self) -> dict[str, tuple[dict[str, str], bytes]]:
        """Return the summaries to keep: those used now (packed again), and those not used but still current (as
        they were packed: the very bytes read)."""
        unused = {
            name: found
            for name, found in self.previous.items()
            if name not in self.kept and found[0].keys() <= self.versions.keys() and _current(found[0], self.versions)
        }
        used = {}
        for name, (built_from, value) in self.kept.items():
            if name in self.as_kept or (isinstance(value, Memo) and value.unchanged and name in self.previous):
                used[name] = self.previous[name]
            else:
                used[name] = (built_from, _packed(value.used if isinstance(value, Memo) else value))
        return unused | used


def _rebuild(
    report_context, previous: Copy | None, panels_of, versions: dict[str, str] | None = None
) -> tuple[Copy, dict[str, str], dict[str, bytes]]:
    """Return the copy with every part current, rebuilding only the parts whose data changed (or whose blob is
    gone), the HTML of the parts it rendered (by name) and the blobs it made (by key). `versions`: the data
    versions read with the previous copy's blobs (those its parts were built from), if they were."""
    # Every panel, shown or not: _render asks a stale one whether it is shown, a kept one is not asked again.
    layout = _layout(report_context, panels_of(report_context, shown_only=False))
    names = {name for part in layout.values() for name in part.versions}
    # The first view of a report reads its versions without keeping those never set (its query count stays
    # fixed whatever the number of themes); the first rebuild after a change keeps them. Those read with the
    # previous copy's blobs are not read again: only a part new since (a theme added) reads its own.
    versions = dict(versions or {})
    if not names <= versions.keys():
        versions.update(data_versions_read(names - versions.keys(), keep_unset=previous is not None))
    previous_summaries = previous.summaries() if previous else {}
    summaries = Summaries(previous_summaries, versions)
    report_context.summaries = summaries
    blobs: dict[str, bytes] = {}  # every blob the new bundle names
    made: dict[str, bytes] = {}  # those of them made now

    def keep(data: bytes, kept: str | None = None) -> str:
        key = kept or blob_key(data)
        blobs[key] = data
        if kept is None:
            made[key] = data
        return key

    stale = []
    parts: dict[str, tuple[dict[str, str], str]] = {}
    for name, part in layout.items():
        kept = previous.part(name) if previous else None
        if kept is not None and _current(kept[0], versions):
            parts[name] = (kept[0], keep(kept[1], previous.bundle.parts[name][1]))
        else:
            stale.append(part)
    # Every panel to rebuild says what it reads first, so that they read it together.
    for part in stale:
        part.panel.prepare(report_context=report_context)
    rendered: dict[str, str] = {}
    for part in stale:
        rendered[part.name] = _render(part, report_context)
        built_from = {version: versions[version] for version in part.versions}
        parts[part.name] = (built_from, keep(zlib.compress(rendered[part.name].encode(), 1)))
    kept_summaries = {}
    for name, (built_from, packed) in summaries.for_bundle().items():
        # Passed on as read (the very bytes): the same blob.
        same = name in previous_summaries and previous_summaries[name][1] is packed
        kept_summaries[name] = (built_from, keep(packed, previous.bundle.summaries[name][1] if same else None))
    bundle = Bundle(
        any_version=versions[ANY],
        order=[name for name in layout if "/" not in name],
        children={name: part.children for name, part in layout.items() if part.children},
        parts={name: parts[name] for name in layout},
        summaries=kept_summaries,
    )
    return Copy(bundle, blobs), rendered, made


def _read(key: str, *, summaries: bool) -> Copy | None:
    """Return the report's copy kept under `key` with the blobs of its parts (and of its summaries), or None."""
    bundle = cache.get(key)
    return None if bundle is None else _with_blobs(bundle, summaries=summaries)


def _with_blobs(bundle: Bundle, *, summaries: bool) -> Copy:
    wanted = bundle.part_blobs() + (bundle.summary_blobs() if summaries else [])
    return Copy(bundle, cache.get_many(wanted) if wanted else {})


def _with_blobs_and_versions(bundle: Bundle) -> tuple[Copy, dict[str, str]]:
    """Return the copy with the blobs of its parts and summaries, and the current data versions it was built from,
    in one read of the cache (a rebuild compares the two)."""
    versions, blobs = data_versions_read_with(bundle.version_names(), bundle.part_blobs() + bundle.summary_blobs())
    return Copy(bundle, blobs), versions


def _built_meanwhile(key: str) -> Copy | None:
    """Wait, for at most LOCK_SECONDS, for the request building this report from nothing to keep it; return it, or
    None if it is not there by then (that request failed or is slow: this one builds it too)."""
    deadline = monotonic() + LOCK_SECONDS
    while monotonic() < deadline:
        sleep(WAIT_SECONDS)
        copy = _read(key, summaries=True)
        if copy is not None:
            return copy
    return None


def cached_report_html(report_context, *, today: datetime.date, panels_of) -> SafeString:
    """Return the report's panels as HTML for this reader, rebuilding only the parts whose data changed.

    `panels_of(report_context, shown_only=False)` returns the report's panels in order, shown or not
    (report.panels.report_panels). One request
    builds a report at a time: while it does, the others serve the previous copy or, when there is none (after a
    release, on a new day), wait for its copy.
    """
    key = report_cache_key(report_context=report_context, today=today)
    found = cache.get_many([key, TOKEN_KEY])
    previous: Copy | None = None
    versions = None
    if key in found:
        current = found[key].any_version == found.get(TOKEN_KEY)
        if current:  # opened again with nothing changed, the summaries are not read: no part is rebuilt
            previous = _with_blobs(found[key], summaries=False)
            if previous.complete:
                return mark_safe(panels_personalise(_compose(previous), report_context=report_context))
            # A blob is gone: its part is rebuilt, with the summaries the rebuild may use.
            previous.blobs.update(cache.get_many(previous.bundle.summary_blobs()))
        else:  # changed: the parts' versions are read with the blobs, to tell which parts to rebuild
            previous, versions = _with_blobs_and_versions(found[key])
    lock = f"{key}:rebuilding"
    locked = cache.add(lock, 1, timeout=LOCK_SECONDS)
    if not locked and previous is None:
        previous = _built_meanwhile(key)
    if not locked and previous is not None and previous.complete:
        # Another request is building this report: its copy, or the previous one for at most LOCK_SECONDS.
        html = _compose(previous)
    else:
        try:
            copy, rendered, made = _rebuild(report_context, previous, panels_of, versions)
            # The blobs made and the bundle naming them, in one write: a reader never finds the bundle without them.
            # The lock is freed by the same statement (core.cache).
            entries = {**made, key: copy.bundle}
            if locked:
                cache_set_many_freeing(cache, entries, lock, timeout=REPORT_TIMEOUT)
            else:
                cache.set_many(entries, timeout=REPORT_TIMEOUT)
        except BaseException:
            if locked:
                cache.delete(lock)
            raise
        html = _compose(copy, rendered)
    return mark_safe(panels_personalise(html, report_context=report_context))

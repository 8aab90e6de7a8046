"""Step 5: confirm a checked preview and write it, or check the file again when the database moved on.

The admin keeps the checked preview between its two requests; `kpi_import_confirm` writes it as it is
when the figures it was worked out from are unchanged (a few queries, no second read of the file),
and otherwise checks the file again, so a stale preview is never written. What is kept is headed by the
file's hash (`preview_dumps`/`preview_loads`): a kept preview is never written for a different file.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib

from django.db import transaction

from kpis import services
from kpis.models import KpiImport, Measure
from kpis.spreadsheet.diff import KpiImportPreview, existing_rows, kpi_import_preview, state_fingerprint
from plans.models import Plan

# What the temporary storage (the database cache) keeps of a checked preview, compressed: 60,000 values
# take about 1 MB. A larger preview is not kept, and the confirm checks the file again.
MAX_CHECKED_BYTES = 8 * 2**20
# Heads what preview_dumps() stores; a new layout gets a new one, so an older sidecar reads as gone.
CHECKED_FORMAT = b"kpi-checked-1:"


def kpi_import_is_current(preview: KpiImportPreview) -> bool:
    """Return whether the database still holds what the preview's changes were worked out from."""
    spec = preview.read_spec
    if spec is None or not preview.fingerprint:
        return False
    # Inside the caller's transaction, the lock keeps a second import of the same plan from writing
    # between this check and the write.
    with transaction.atomic():
        measures = list(Measure.objects.select_for_update().filter(plan_id=spec.plan_id))
        return state_fingerprint(measures, existing_rows(spec)) == preview.fingerprint


def kpi_import_confirm(
    *,
    plan: Plan,
    file_name: str,
    data: bytes,
    user=None,
    source: str = "admin",
    checked: KpiImportPreview | None = None,
) -> tuple[KpiImportPreview, KpiImport | None]:
    """Write the file; return the preview written and the record, or the preview to show again and None.

    With `checked` (the preview the person saw) still current, that preview is written as it is. If the
    database has changed since, the file is checked again and the new preview returned, unwritten, to
    be shown and confirmed again. Without `checked` (the command line) the file is checked and written.
    """
    with transaction.atomic():
        if checked is not None:
            if kpi_import_is_current(checked):
                return checked, services.kpi_import_apply(preview=checked, user=user, source=source)
            return kpi_import_preview(plan=plan, file_name=file_name, data=data), None
        preview = kpi_import_preview(plan=plan, file_name=file_name, data=data)
        if preview.problems:
            return preview, None
        return preview, services.kpi_import_apply(preview=preview, user=user, source=source)


def preview_dumps(preview: KpiImportPreview, *, data: bytes) -> bytes:
    """Return the checked preview of the file `data` as the confirm needs it (`for_confirm()`), compressed
    and headed by the file's hash, for the temporary storage between upload and confirm; b"" (nothing
    kept) when over MAX_CHECKED_BYTES."""
    body = zlib.compress(pickle.dumps(preview.for_confirm(), protocol=pickle.HIGHEST_PROTOCOL), 1)
    if len(body) > MAX_CHECKED_BYTES:
        return b""
    return CHECKED_FORMAT + hashlib.sha256(data).digest() + body


def preview_loads(stored: bytes | None, *, data: bytes) -> KpiImportPreview | None:
    """Return the preview preview_dumps() stored for the file `data`; None when it is gone, unreadable
    (an older layout) or the preview of another file, so that the confirm checks the file again."""
    if not stored or not stored.startswith(CHECKED_FORMAT):
        return None
    digest_end = len(CHECKED_FORMAT) + hashlib.sha256().digest_size
    if stored[len(CHECKED_FORMAT) : digest_end] != hashlib.sha256(data).digest():
        return None
    try:
        # Only our own server writes this storage (the same trust as Django's pickling cache).
        preview = pickle.loads(zlib.decompress(stored[digest_end:]))
    except Exception:
        return None
    return preview if isinstance(preview, KpiImportPreview) else None

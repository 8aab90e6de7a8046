"""The upload cap in the web tier: stop reading an import's upload once it passes the largest import cap.

Django writes every uploaded file to memory or a temporary file before a form sees it, so a 2 GB POST
would be read in full before the import form's size check said no. `capped_uploads(view)` installs
CappedUploadHandler in front of Django's own handlers for that view: the moment a file passes
`settings.IMPORT_UPLOAD_MAX_BYTES` (default core.importing.MAX_UPLOAD_BYTES, 20 MB) it stops the
upload without reading the rest of the request, and the view's form finds in place of the file a
`RefusedUpload`, which core.importing.uploaded_file_read refuses with the usual "too large" message
(the fields sent before the file, such as the plan, are kept). Set the proxy's body limit (nginx
`client_max_body_size`) to match, so that the proxy refuses larger bodies before they reach gunicorn.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from core.importing import MAX_UPLOAD_BYTES


def upload_max_bytes() -> int:
    """Return the largest file, in bytes, that the web tier reads of an import's upload."""
    return getattr(settings, "IMPORT_UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES)


class RefusedUpload(UploadedFile):
    """A file the web tier stopped reading: its name and the size read so far (over the cap), no content."""

    too_large = True

    def __init__(self, *, name: str, size: int, content_type: str | None):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def read(self, *args, **kwargs) -> bytes:  # nothing was kept
        return b""

    def seek(self, *args, **kwargs) -> int:
        return 0


class CappedUploadHandler(FileUploadHandler):
    """Counts each file's bytes as they arrive and stops the whole upload at the first past the cap."""

    def __init__(self, request=None, *, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = upload_max_bytes() if max_bytes is None else max_bytes
        self.refused: list[tuple[str, RefusedUpload]] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.refused.append(
                (
                    self.field_name,
                    RefusedUpload(name=self.file_name, size=start + len(raw_data), content_type=self.content_type),
                )
            )
            # connection_reset: Django does not read the rest of the request body to throw it away.
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler (memory or temporary file) keeps it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler gives the file


def capped_uploads(view):
    """Return `view` with its uploads stopped past upload_max_bytes() (CappedUploadHandler).

    The handler must be installed before anything reads request.POST, and CsrfViewMiddleware reads it
    before any view runs: the returned view is exempt from the middleware's check, so `view` must do
    the check itself (the admin's admin_view wraps its views in csrf_protect; keep it inside).
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        handler = CappedUploadHandler(request)
        request.upload_handlers.insert(0, handler)
        if request.method == "POST":
            request.FILES  # noqa: B018 - parse the body now, with the handler, so that a refusal is in place
            for field_name, refused in handler.refused:
                request.FILES.setlist(field_name, [refused])
        return view(request, *args, **kwargs)

    wrapped.csrf_exempt = True
    return wrapped

"""The import's upload cap in the web tier (core.uploads, issue 11): a real multipart POST is stopped once the
file passes the cap, without reading the rest of the body, and the form says the file is too large."""

import io
import zipfile

import pytest
from django.test.client import encode_multipart

from core.importing import MAX_UPLOAD_BYTES, UPLOAD_TOO_LARGE
from core.uploads import upload_max_bytes
from kpis.models import MeasureValue
from tests.kpis.import_fixtures import as_xlsx, cache_table, measures, plan, seed_rows  # noqa: F401
from tests.kpis.test_import_admin import IMPORT_URL, XLSX, importer  # noqa: F401

pytestmark = pytest.mark.django_db

BOUNDARY = "upload-cap-test"


class CountingBody(io.BytesIO):
    """A request body (wsgi.input) that counts how much of it the server read."""

    read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


class NamedBytes(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def post_file(client, plan, data: bytes, name: str = "June KPIs.xlsx"):  # noqa: F811
    """POST the import form as a browser does (multipart, the plan before the file); return the response and
    the body, which knows how much of it was read."""
    file = NamedBytes(data, name)
    file.content_type = XLSX
    body = CountingBody(encode_multipart(BOUNDARY, {"plan": str(plan.pk), "import_file": file}))
    length = len(body.getvalue())
    environ = {
        "wsgi.input": body,
        "CONTENT_LENGTH": str(length),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
    }
    response = client.generic("POST", IMPORT_URL, **environ)
    return response, body, length


def padded_workbook(size: int) -> bytes:
    """Return the seed workbook with a stored (uncompressed) member padding it to exactly `size` bytes."""
    base = as_xlsx(seed_rows())
    padding = size - len(base)
    for _ in range(3):  # the member's own headers take a little room: converge on the size
        output = io.BytesIO(base)
        with zipfile.ZipFile(output, "a", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("xl/media/padding.bin", b"\0" * padding)
        padding += size - len(output.getvalue())
    assert len(output.getvalue()) == size
    return output.getvalue()


def test_the_cap_is_the_import_cap_unless_set():
    assert upload_max_bytes() == MAX_UPLOAD_BYTES


def test_a_file_just_over_the_cap_is_refused_with_the_too_large_message_and_nothing_kept(
    client,
    importer,  # noqa: F811
    plan,  # noqa: F811
    measures,  # noqa: F811
):
    client.force_login(importer)

    response, _, _ = post_file(client, plan, b"x" * (MAX_UPLOAD_BYTES + 1))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["import_file"] == [UPLOAD_TOO_LARGE]
    assert form["plan"].value() == str(plan.pk)  # what was chosen is kept
    assert UPLOAD_TOO_LARGE in response.content.decode()
    assert "confirm_form" not in response.context
    assert not MeasureValue.objects.exists()


def test_a_large_upload_is_stopped_at_the_cap_without_reading_the_rest(client, importer, plan, measures):  # noqa: F811
    client.force_login(importer)

    response, body, length = post_file(client, plan, b"x" * (MAX_UPLOAD_BYTES + 8 * 2**20))

    assert response.context["form"].errors["import_file"] == [UPLOAD_TOO_LARGE]
    # Read up to the cap and at most a chunk or two past it (Django reads 64 KB at a time), of 28 MB sent.
    assert body.read_bytes < MAX_UPLOAD_BYTES + 2**20 < length


def test_a_file_just_under_the_cap_is_read_and_previewed(client, importer, plan, measures):  # noqa: F811
    client.force_login(importer)

    response, body, length = post_file(client, plan, padded_workbook(MAX_UPLOAD_BYTES))

    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert "4 measures read: 36 new monthly values" in response.content.decode()
    assert "confirm_form" in response.context
    assert body.read_bytes == length


def test_the_upload_still_needs_its_csrf_token(importer, plan, measures):  # noqa: F811
    """The capped view is exempt from CsrfViewMiddleware (which would read the body first): the admin's own
    csrf_protect inside it still refuses a POST without the token, and nothing is kept."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(importer)

    response, _, _ = post_file(client, plan, as_xlsx(seed_rows()))

    assert response.status_code == 403
    assert not MeasureValue.objects.exists()

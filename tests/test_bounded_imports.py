"""Hostile uploads (issue 11, "Bounded imports"): every import refuses a file past a limit with a sentence
saying what to do, writes nothing, and lists at most MAX_LISTED_PROBLEMS problems with a count of the rest.

The files are real files written here: a zip bomb whose sheet XML (or shared strings) inflates far past the
limit from a small file, a CSV of a million and one rows, one a million cells wide, one over the size cap.
"""

import functools
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core import importing
from kpis.models import MeasureValue
from risks.models import Risk
from risks.spreadsheet import COLUMNS
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db

KPI_IMPORT = reverse("admin:kpis_measure_import")
RISK_IMPORT = reverse("admin:risks_risk_import")
KPI_HEADING = "Ref,Performance Measure,Jul 20"
RISK_HEADING = ",".join(f'"{column}"' for column in COLUMNS)


@functools.cache
def zip_bomb(member: str) -> bytes:
    """Return a small .xlsx whose `member` inflates to MAX_UNPACKED_BYTES + 1 MB of one repeated byte."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w", force_zip64=True) as inflating:
            chunk = b"0" * 2**20
            for _ in range(importing.MAX_UNPACKED_BYTES // len(chunk) + 1):
                inflating.write(chunk)
    return output.getvalue()


@functools.cache
def csv_rows(heading: str, row: str, count: int) -> bytes:
    return (heading + "\r\n" + "".join(row.format(n=n) + "\r\n" for n in range(count))).encode()


def wide_csv(heading: str) -> bytes:
    return (heading + "\r\n" + "," * importing.MAX_CELLS + "\r\n").encode()


def xlsx(rows: int, columns: int) -> bytes:
    workbook = Workbook()
    for row in range(rows):
        workbook.active.append([f"r{row}c{column}" for column in range(columns)])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


KPI_BAD_ROW = "9.{n},Unknown measure,12"  # no measure has Ref 9.n: one problem a row
RISK_BAD_ROW = "not-a-ref{n},Risk,A risk,,January 2020,admin,2,3,6"  # the Ref unreadable: one problem a row
BOTH = [
    pytest.param(KPI_IMPORT, KPI_HEADING, id="KPI import"),
    pytest.param(RISK_IMPORT, RISK_HEADING, id="risk import"),
]


def refused_page(client, url: str, name: str, data: bytes):
    plan = PlanFactory()
    response = client.post(url, {"plan": plan.pk, "import_file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    assert not MeasureValue.objects.exists()
    assert not Risk.objects.exists()
    return response.content.decode()


@pytest.mark.parametrize(("url", "heading"), BOTH)
@pytest.mark.parametrize(
    ("name", "make_file", "message"),
    [
        pytest.param(
            "bomb.xlsx",
            lambda heading: zip_bomb("xl/worksheets/sheet1.xml"),
            importing.UNPACKED_TOO_LARGE,
            id="zip bomb sheet",
        ),
        pytest.param(
            "bomb.xlsx",
            lambda heading: zip_bomb("xl/sharedStrings.xml"),
            importing.UNPACKED_TOO_LARGE,
            id="zip bomb shared strings",
        ),
        pytest.param(
            "huge.csv",
            lambda heading: csv_rows(heading, "1.1,x,1", importing.MAX_ROWS * 50),
            importing.TOO_MANY_ROWS.format(limit=importing.MAX_ROWS),
            id="1,000,001 rows",
        ),
        pytest.param(
            "wide.csv", wide_csv, importing.TOO_MANY_CELLS.format(limit=importing.MAX_CELLS), id="a million cells wide"
        ),
        pytest.param(
            "big.csv",
            lambda heading: b"x" * (importing.MAX_UPLOAD_BYTES + 1),
            importing.UPLOAD_TOO_LARGE,
            id="over the size cap",
        ),
    ],
)
def test_a_hostile_file_is_refused_with_what_to_do_and_nothing_is_written(
    admin_client, url, heading, name, make_file, message
):
    data = make_file(heading)
    if name == "bomb.xlsx":
        assert len(data) < importing.MAX_UNPACKED_BYTES / 100  # small, unpacking to far past the limit
    html = refused_page(admin_client, url, name, data)
    assert message in html.replace("&#x27;", "'")


def test_the_million_and_one_row_csv_is_a_million_and_one_rows():
    data = csv_rows(KPI_HEADING, "1.1,x,1", importing.MAX_ROWS * 50)
    assert data.count(b"\r\n") == 1_000_001


@pytest.mark.parametrize(("url", "heading"), BOTH)
def test_a_workbook_past_the_cell_limit_but_not_the_row_limit_is_refused(admin_client, monkeypatch, url, heading):
    monkeypatch.setattr(importing, "MAX_CELLS", 50)
    html = refused_page(admin_client, url, "wide.xlsx", xlsx(rows=6, columns=10))
    assert importing.TOO_MANY_CELLS.format(limit=50) in html


@pytest.mark.parametrize(
    ("url", "heading", "bad_row"),
    [
        pytest.param(KPI_IMPORT, KPI_HEADING, KPI_BAD_ROW, id="KPI import"),
        pytest.param(RISK_IMPORT, RISK_HEADING, RISK_BAD_ROW, id="risk import"),
    ],
)
def test_a_file_of_300_bad_rows_lists_200_problems_and_counts_the_rest(admin_client, admin_user, url, heading, bad_row):
    html = refused_page(admin_client, url, "bad.csv", csv_rows(heading, bad_row, 300))
    assert html.count("<tr><td>") == importing.MAX_LISTED_PROBLEMS
    assert "Correct these 300 problems" in html
    assert "…and 100 more problems not listed. Fix these and upload again." in html


def test_the_problem_list_keeps_the_first_ones_and_counts_every_one():
    problems = importing.Problems(importing.Problem(n, "Ref", "Bad.") for n in range(1_000_000))
    assert len(problems) == 200
    assert [problem.row for problem in problems[:2]] == [0, 1]
    assert problems.total == 1_000_000
    assert problems.not_listed_sentence == "…and 999,800 more problems not listed. Fix these and upload again."
    assert importing.Problems([importing.Problem(None, None, "Bad.")]).not_listed_sentence == ""
    assert not importing.Problems()


EXCEPTION_NAMES = ("ParseError", "UnicodeDecodeError", "BadZipFile", "Error:", "Traceback", "KeyError", "csv.Error")


def damaged_sheet() -> bytes:
    """Return a real workbook whose sheet XML stops halfway through a row."""
    good = io.BytesIO(xlsx(rows=3, columns=3))
    output = io.BytesIO()
    with zipfile.ZipFile(good) as base, zipfile.ZipFile(output, "w") as archive:
        for info in base.infolist():
            data = base.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b"<row") + 20]
            archive.writestr(info, data)
    return output.getvalue()


def zip_of(member: str, data: bytes) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr(member, data)
    return output.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "sentence"),
    [
        pytest.param("register.xlsx", damaged_sheet(), "is not a spreadsheet", id="sheet XML broken"),
        pytest.param(
            "register.xlsx", zip_of("word/document.xml", b"<w/>"), "is not a spreadsheet", id="a zip, no workbook"
        ),
        pytest.param("register.xlsx", b"PK\x03\x04" + b"\x00" * 100, "is not a spreadsheet", id="a damaged zip"),
        pytest.param("register.csv", b"\xff\xfeR\x00\x00\xd8", "Save As", id="UTF-16 that does not decode"),
        pytest.param("register.csv", b'Ref,"' + b"x" * 200_000 + b'"\r\n', "is not a spreadsheet", id="a huge cell"),
        pytest.param("register.csv", b"%PDF-1.4\x00\x01\x02", "is not a spreadsheet", id="binary named .csv"),
    ],
)
def test_a_broken_risk_register_is_a_sentence_with_no_exception_names(admin_client, name, data, sentence):
    html = refused_page(admin_client, RISK_IMPORT, name, data)
    assert sentence in html
    assert not [word for word in EXCEPTION_NAMES if word in html]


SEED_REGISTER = [RISK_HEADING.replace('"', ""), "1,Risk,Children may come to harm,Monitoring,January 2020,admin,4,5,20"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        pytest.param("utf-16", ",", id="UTF-16 with BOM, commas"),
        pytest.param("utf-16", "\t", id="Excel's Unicode Text: UTF-16 with BOM, tabs"),
        pytest.param("utf-16-le", ",", id="UTF-16 without BOM"),
    ],
)
def test_a_utf16_register_is_read(admin_client, admin_user, encoding, delimiter):
    from risks.spreadsheet.preview import register_import_preview

    lines = [line.replace(",", delimiter) if delimiter != "," else line for line in SEED_REGISTER]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    preview = register_import_preview(plan=PlanFactory(), data=data, file_name="register.csv")
    assert preview.is_valid, [str(problem) for problem in preview.problems]
    assert preview.summary() == "1 new, 0 updated, 0 unchanged."


def test_a_utf16_kpi_table_is_read():
    from kpis.spreadsheet import kpi_file_read

    data = "Ref\tPerformance Measure\tJul 20\r\n1.1\tRé-referrals\t12\r\n".encode("utf-16")
    sheet = kpi_file_read(data=data, file_name="kpis.txt")
    assert sheet.rows == [("Ref", "Performance Measure", "Jul 20"), ("1.1", "Ré-referrals", "12")]


@pytest.mark.parametrize("command", ["import_kpis", "import_risks"])
def test_the_commands_refuse_a_file_over_the_size_cap_before_reading_it(tmp_path, monkeypatch, command):
    from django.core.management import CommandError, call_command

    plan = PlanFactory()
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * (importing.MAX_UPLOAD_BYTES + 1))
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(CommandError, match="larger than 20 MB"):
        call_command(command, str(path), "--plan", plan.slug)

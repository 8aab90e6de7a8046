import io
import zipfile

import pytest

from core import importing
from core.importing import FileRefused, FirstRowOfKey, Problem, escape_formula, unescape_formula


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        pytest.param(Problem(4, "Ref", "Is blank."), "Row 4, column “Ref”: Is blank.", id="row and column"),
        pytest.param(Problem(4, "", "Is blank."), "Row 4: Is blank.", id="row only"),
        pytest.param(Problem(None, None, "Not a spreadsheet."), "Not a spreadsheet.", id="the whole file"),
    ],
)
def test_a_problem_names_the_spreadsheets_own_row_and_column(problem, text):
    assert str(problem) == text


@pytest.mark.parametrize("text", ["=1+1", "+44 1803", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_a_formula_is_escaped_and_comes_back_as_typed(text):
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize("value", ["Plain text", "'quoted by the author", 42, None, ""])
def test_other_values_pass_through_both_ways(value):
    assert escape_formula(value) == value
    assert unescape_formula(value) == value


def test_the_duplicate_check_names_the_first_row_of_a_repeated_key():
    seen = FirstRowOfKey()
    assert seen.repeated("2.24", 5) is None
    assert seen.repeated("2.25", 6) is None
    assert seen.repeated("2.24", 9) == 5
    assert seen.repeated("2.24", 12) == 5


def _zip(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * size)
    return buffer.getvalue()


def test_a_small_file_that_unpacks_to_too_much_is_refused_before_it_is_opened(monkeypatch):
    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1_000_000)
    bomb = _zip(2_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(FileRefused) as refused:
        importing.upload_check(data=bomb)
    assert refused.value.problem.message == importing.UNPACKED_TOO_LARGE
    importing.upload_check(data=_zip(500_000))


def test_a_file_over_the_size_limit_and_a_sheet_over_the_row_limit_are_refused():
    with pytest.raises(FileRefused, match="larger than 20 MB"):
        importing.upload_check(data=b"x" * 11, max_bytes=10)
    importing.upload_check(data=b"x" * 10, max_bytes=10)
    with pytest.raises(FileRefused, match="more than 20,000 rows"):
        importing.rows_check(20_001)
    importing.rows_check(20_000)


def test_the_upload_form_refuses_a_zip_bomb_and_keeps_the_bytes_of_a_good_file(monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1_000_000)
    form = importing.SpreadsheetUploadForm(files={"import_file": SimpleUploadedFile("kpis.xlsx", _zip(2_000_000))})
    assert not form.is_valid()
    assert form.errors["import_file"] == [importing.UNPACKED_TOO_LARGE]
    good = _zip(10)
    form = importing.SpreadsheetUploadForm(files={"import_file": SimpleUploadedFile("kpis.xlsx", good)})
    assert form.is_valid()
    assert form.cleaned_data["data"] == good

"""KPI imports confirmed at once on SQLite (the zero-setup default) both complete.

Each import runs in a process of its own against one SQLite file, as two app servers would: the
app's SQLite options (WAL, a busy timeout, IMMEDIATE transactions) make each writer wait for the
one before instead of failing with "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's single writer is what this checks; PostgreSQL has row locks.",
)

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]
# The first two months of measure 1.1 in Torbay's export ("9.6%,5.8%"): each file changes the first.
ORIGINAL_CELLS = "9.6%,5.8%,4.3%"


def _manage(database: str, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "torbay_improvement.settings.dev",
    }
    return subprocess.Popen(
        [*MANAGE, *args], env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _run(database: str, *args: str) -> str:
    process = _manage(database, *args)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("concurrent-confirms")
    database = str(folder / "tracker.sqlite3")
    _run(database, "migrate", "-v", "0")
    _run(database, "setup_demo", "-v", "0")
    exported = folder / "kpis.csv"
    _run(database, "export_kpis", str(exported))
    return database, exported.read_text(encoding="utf-8-sig")


def _value_of_measure_1_1_in_july_2020(database: str) -> float:
    with sqlite3.connect(database) as db:
        (value,) = db.execute(
            "SELECT v.value FROM kpis_measurevalue v JOIN kpis_measure m ON m.id = v.measure_id "
            "WHERE m.ref = '1.1' AND v.month = '2020-07-01'"
        ).fetchone()
    return float(value)


def test_kpi_imports_confirmed_at_once_all_complete(demo_database, tmp_path):
    database, exported = demo_database
    assert ORIGINAL_CELLS in exported
    files = []
    for name, first in (("first.csv", "9.7%"), ("second.csv", "9.8%"), ("third.csv", "9.9%")):
        path = tmp_path / name
        path.write_text(exported.replace(ORIGINAL_CELLS, f"{first},5.8%,4.3%", 1), encoding="utf-8")
        files.append(path)

    imports = [_manage(database, "import_kpis", str(path), "--user", "performance") for path in files]
    outputs = [process.communicate(timeout=300)[0] for process in imports]

    for process, output in zip(imports, outputs, strict=True):
        assert "database is locked" not in output
        assert process.returncode == 0, output
        assert "Imported into torbay-2021-highlight" in output
    # Whichever wrote last holds: one file's figure, never a mixture or the original.
    assert round(_value_of_measure_1_1_in_july_2020(database), 4) in {9.7, 9.8, 9.9}

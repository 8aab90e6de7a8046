"""The move to inherent, current and target scores keeps the seed's ten risks as they were."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SEED = json.loads((HERE.parents[1] / "fixtures" / "risks" / "risks_000.json").read_text())["risks"]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    database = tmp_path_factory.mktemp("migration") / "register.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "torbay_improvement.settings.test",
    }
    done = subprocess.run(
        [sys.executable, str(HERE / "migration_check.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_seeds_ten_risks_keep_their_current_scores(migrated):
    kept = [(r["ref"], r["probability"], r["impact"], r["score"]) for r in migrated["risks"]]
    assert kept == [(r["Ref"], r["Probability"], r["Impact"], r["Risk Score"]) for r in SEED]
    assert len(kept) == 10


def test_target_scores_are_kept_and_absent_ones_stay_absent(migrated):
    targets = {r["ref"]: (r["target_probability"], r["target_impact"], r["target_score"]) for r in migrated["risks"]}
    assert targets[1] == (2, 5, 10)
    assert targets[2] == (2, 4, 8)
    assert {targets[ref] for ref in range(3, 11)} == {(None, None, None)}


def test_inherent_is_taken_from_current_and_marked_not_assessed(migrated):
    for rows in (migrated["risks"], migrated["history"]):
        assert all(
            (r["inherent_probability"], r["inherent_impact"], r["inherent_score"], r["inherent_assessed"])
            == (r["probability"], r["impact"], r["score"], False)
            for r in rows
        )
    assert len(migrated["history"]) == 10

#!/usr/bin/env bash
# Runs every test: lint, then the suite on SQLite and (when CI=true or TEST_POSTGRES=true) on PostgreSQL,
# the two side by side. Browser journeys need Debian's chromium, installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/system-packages.sh --browser
export DJANGO_ALLOW_ASYNC_UNSAFE=true

.venv/bin/ruff check .
.venv/bin/ruff format --check .

if [ "${CI:-}" != "true" ] && [ "${TEST_POSTGRES:-}" != "true" ]; then
  echo "== Tests on SQLite"
  env -u DATABASE_URL .venv/bin/python -m pytest "$@"
  exit
fi

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/improvement_tracker}
if ! DATABASE_URL=$PG_URL .venv/bin/python - <<'PY'
import os, sys
import dj_database_url, psycopg2
cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
try:
    psycopg2.connect(dbname="postgres", user=cfg["USER"], host=cfg["HOST"], port=cfg["PORT"] or 5432,
                     password=cfg["PASSWORD"] or None, connect_timeout=5).close()
except Exception as error:
    sys.exit(f"PostgreSQL cannot be reached at {cfg['HOST']}:{cfg['PORT']}: {error}")
PY
then
  echo "PostgreSQL is required when CI=true; failing rather than skipping." >&2
  exit 1
fi

# The two runs share nothing (an in-memory SQLite database; Django's own test database on PostgreSQL; a
# media folder each), so they run at once, each on a core: their lines are prefixed with the database.
echo "== Tests on SQLite and on PostgreSQL ($PG_URL), side by side"
env -u DATABASE_URL .venv/bin/python -m pytest "$@" 2>&1 | sed -u 's/^/[sqlite] /' &
sqlite=$!
DATABASE_URL=$PG_URL .venv/bin/python -m pytest "$@" 2>&1 | sed -u 's/^/[postgresql] /' &
postgresql=$!
status=0
wait $sqlite || { status=$?; echo "== The tests on SQLite failed"; }
wait $postgresql || { status=$?; echo "== The tests on PostgreSQL failed"; }
exit $status

#!/usr/bin/env bash
# Runs every test: lint, then the suite on SQLite, then (when CI=true or TEST_POSTGRES=true) on
# PostgreSQL. Browser journeys need Debian's chromium, installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/system-packages.sh --browser
export DJANGO_ALLOW_ASYNC_UNSAFE=true

.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== Tests on SQLite"
env -u DATABASE_URL .venv/bin/python -m pytest "$@"

if [ "${CI:-}" = "true" ] || [ "${TEST_POSTGRES:-}" = "true" ]; then
  PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/improvement_tracker}
  echo "== Tests on PostgreSQL ($PG_URL)"
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
  DATABASE_URL=$PG_URL .venv/bin/python -m pytest "$@"
fi

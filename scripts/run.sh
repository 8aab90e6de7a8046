#!/usr/bin/env bash
# Installs everything, migrates, loads Torbay's demo data and serves the app at http://127.0.0.1:8000,
# with the background worker that builds the papers beside it
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/system-packages.sh || echo "Without those packages the PDF download will not work; the rest will."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-torbay_improvement.settings.dev}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py setup_demo
# The worker builds the PDF and Word papers in the background beside the web server, and stops with it:
# the web server takes this script's process (exec, so Ctrl-C and kill reach it as before), and a watcher
# stops the worker within a second of that process ending, however it ends.
.venv/bin/python manage.py db_worker --no-reload &
worker=$!
(while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "$worker" 2>/dev/null || true) &
echo "Serving on http://127.0.0.1:8000 — sign in as sro / ${DEMO_PASSWORD:-improve-2021}"
exec .venv/bin/python manage.py runserver "${HOST_PORT:-127.0.0.1:8000}"

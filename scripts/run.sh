#!/usr/bin/env bash
# Installs everything, migrates, loads Torbay's demo data and serves the app at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/system-packages.sh || echo "Without those packages the PDF download will not work; the rest will."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-torbay_improvement.settings.dev}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py setup_demo
echo "Serving on http://127.0.0.1:8000 — sign in as sro / ${DEMO_PASSWORD:-improve-2021}"
exec .venv/bin/python manage.py runserver "${HOST_PORT:-127.0.0.1:8000}"

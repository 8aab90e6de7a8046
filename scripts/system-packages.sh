#!/usr/bin/env bash
# Installs the Debian packages the app and its tests need, when missing: pango (WeasyPrint's PDFs),
# fonts, poppler-utils (the tests render the PDF's pages), and (with --browser) chromium for the browser journeys. Needs root; says what to run if not.
set -euo pipefail
wanted=()
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || wanted+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -n "$(fc-list 2>/dev/null | head -n 1)" ] || wanted+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null || wanted+=(poppler-utils)
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  wanted+=(chromium)
fi
[ ${#wanted[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: sudo apt-get install -y ${wanted[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${wanted[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${wanted[@]}" >/dev/null

#!/usr/bin/env bash
# Render the offline DQ report in headless Chromium and save a PNG, to check it shows without
# network access (no CDN assets) and with Chinese text. Needs Debian's chromium and a CJK font:
#   apt-get install -y chromium fonts-noto-cjk
# Usage: scripts/screenshot_dq_report.sh [report.html] [out.png]
set -euo pipefail
report="${1:-exports/dq/dq_report.html}"
out="${2:-exports/dq/dq_report.png}"
[ -f "$report" ] || { echo "no report at $report: run 'make demo' or '.venv/bin/waterstat check' first" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=1400,2000 \
  --screenshot="$out" "file://$(realpath "$report")" 2>/dev/null
echo "wrote $out"

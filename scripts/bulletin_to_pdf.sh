#!/usr/bin/env bash
# Convert the bulletin and assessment workbooks to PDF with LibreOffice and render each page to PNG,
# to check print layout and that Chinese text and the charts render (no missing-glyph boxes).
# Needs Debian's LibreOffice Calc, poppler and a CJK font:
#   apt-get install -y libreoffice-calc-nogui poppler-utils fonts-noto-cjk fonts-crosextra-carlito
# (Carlito has Calibri's metrics: without it LibreOffice measures columns wider than Excel does)
# Usage: scripts/bulletin_to_pdf.sh [exports-dir] [out-dir]
set -euo pipefail
exports="${1:-exports}"
out="${2:-exports/pdf}"
mkdir -p "$out"
shopt -s nullglob
books=("$exports"/水资源公报表_*.xlsx "$exports"/考核结果表_*.xlsx)
[ ${#books[@]} -gt 0 ] || { echo "no workbooks in $exports: run 'make demo' first" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$out" "${books[@]}" >/dev/null
for pdf in "$out"/*.pdf; do
  pdftoppm -r 80 -png "$pdf" "${pdf%.pdf}-page"
done
ls "$out"

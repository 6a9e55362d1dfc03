#!/usr/bin/env bash
# 把模板（或任意自评表）用 LibreOffice 渲染成 PDF，再用 pdftoppm 转成 PNG，供人工查看版式。
# 用法：scripts/render_template.sh [xlsx 文件] [输出目录]
# 需要：libreoffice-calc、poppler-utils（pdftoppm）。
set -euo pipefail

src="${1:-templates/自评表.xlsx}"
out="${2:-build/render}"
mkdir -p "$out"
profile="$(mktemp -d /tmp/jixiao-lo-XXXXXX)"
trap 'rm -rf "$profile"' EXIT

soffice --headless --norestore "-env:UserInstallation=file://$profile" \
  --convert-to pdf --outdir "$out" "$src" >/dev/null
pdf="$out/$(basename "${src%.*}").pdf"
pdftoppm -png -r 110 "$pdf" "${pdf%.pdf}"
echo "PDF：$pdf"
ls "${pdf%.pdf}"*.png

#!/bin/sh
# jixiao @VERSION@ offline installer for macOS and Linux: a dedicated environment,
# installed from ./wheels with no package index, then the Excel add-in (macOS).
# Usage: sh install.sh [environment folder]   (default: ~/.jixiao/env)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ENV_DIR=${1:-"$HOME/.jixiao/env"}

echo "jixiao @VERSION@ 离线安装（全程不联网）"
echo "安装位置：$ENV_DIR"

echo "[1/5] 查找 Python 3.10 - 3.13 ..."
PY=""
for cand in ${PYTHON:-} python3.13 python3.12 python3.11 python3.10 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
    PY=$cand
    break
  fi
done
if [ -z "$PY" ]; then
  echo "没有找到 Python 3.10 - 3.13。请先安装（macOS：python.org 的安装程序或 brew install python@3.12），再运行本脚本。" >&2
  exit 1
fi
echo "      使用：$(command -v "$PY")"

echo "[2/5] 建立专用环境（只给 jixiao 用）..."
if [ ! -x "$ENV_DIR/bin/python" ]; then
  "$PY" -m venv "$ENV_DIR"
fi

echo "[3/5] 从安装包的 wheels 文件夹安装 jixiao 及其依赖（--no-index，不访问任何软件源）..."
"$ENV_DIR/bin/python" -m pip install --disable-pip-version-check --no-index \
  --find-links "$HERE/wheels" --upgrade "jixiao[addin]"

echo "[4/5] 生成 Excel 加载项 jixiao.xlam（记录专用环境的 Python）..."
"$ENV_DIR/bin/jixiao" addin build -o "$ENV_DIR"

if [ "$(uname -s)" = "Darwin" ]; then
  echo "[5/5] 把加载项装进 Excel 启动文件夹（请先退出 Excel）..."
  "$ENV_DIR/bin/jixiao" addin install --file "$ENV_DIR/jixiao.xlam" || \
    echo "加载项没能装进 Excel（见上面的提示）。退出 Excel 后再运行一次本脚本即可。"
else
  echo "[5/5] 本机不是 Windows 或 macOS，没有桌面版 Excel：跳过安装加载项（批量命令可以正常使用）。"
fi

echo
echo "安装完成。"
echo "  批量命令：$ENV_DIR/bin/jixiao（可把 $ENV_DIR/bin 加入 PATH，之后直接输入 jixiao）"
echo "  试一试：$ENV_DIR/bin/jixiao check \"$HERE/examples\""

#!/bin/sh
# jixiao @VERSION@ offline installer for macOS and Linux: a dedicated environment,
# installed from ./wheels with no package index, then the Excel add-in (macOS).
# Usage: sh install.sh [environment folder]   (default: ~/.jixiao/env)
#
# The bundle's wheels for this kind of machine were made by Python @HOST_PY@ on @HOST_OS@
# (compiled packages such as python-calamine exist for that version only), so only that
# Python version is used. An environment left broken by an earlier run (interrupted, made
# with another Python, its Python removed) is made again; a folder that is not an
# environment is never touched.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ENV_DIR=${1:-"$HOME/.jixiao/env"}
HOST_PY="@HOST_PY@"
HOST_OS="@HOST_OS@"

fail() {
  echo >&2
  echo "安装没有完成：$1" >&2
  echo "请把上面的信息发给技术支持。" >&2
  exit 1
}

echo "jixiao @VERSION@ 离线安装（全程不联网）"
echo "安装位置：$ENV_DIR"

if [ "$(uname -s) $(uname -m)" != "$HOST_OS" ]; then
  fail "本安装包中 macOS/Linux 用的软件包是在“$HOST_OS”上生成的，这台电脑是“$(uname -s) $(uname -m)”。请在与这台电脑同类的电脑上生成安装包（python scripts/build_bundle.py），或从源代码目录安装。"
fi

# the Python version of a candidate, or nothing when it does not run
py_version() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

echo "[1/5] 查找 Python $HOST_PY ..."
PY=""
if [ -n "${PYTHON:-}" ]; then
  [ "$(py_version "$PYTHON")" = "$HOST_PY" ] || fail "PYTHON=$PYTHON 不是可以运行的 Python $HOST_PY（本安装包的软件包是为 Python $HOST_PY 准备的）。"
  PY=$PYTHON
else
  for cand in "python$HOST_PY" python3 python; do
    if command -v "$cand" >/dev/null 2>&1 && [ "$(py_version "$cand")" = "$HOST_PY" ]; then
      PY=$cand
      break
    fi
  done
fi
if [ -z "$PY" ]; then
  fail "没有找到 Python $HOST_PY。本安装包的软件包是为 Python $HOST_PY 准备的，请先安装它（macOS：python.org 的安装程序，或 brew install python@$HOST_PY），再运行本脚本；已装在别处时用 PYTHON=路径 sh install.sh 指定。"
fi
echo "      使用：$(command -v "$PY")"

echo "[2/5] 建立专用环境（只给 jixiao 用）..."
if [ -e "$ENV_DIR" ] && [ ! -f "$ENV_DIR/pyvenv.cfg" ] && [ -n "$(ls -A "$ENV_DIR" 2>/dev/null)" ]; then
  fail "“$ENV_DIR”已存在，里面有其他文件，不是 Python 环境。为免误删，请指定一个新的或空的文件夹：sh install.sh 文件夹"
fi
if [ -f "$ENV_DIR/pyvenv.cfg" ]; then
  if [ "$(py_version "$ENV_DIR/bin/python")" = "$HOST_PY" ] && "$ENV_DIR/bin/python" -m pip --version >/dev/null 2>&1; then
    echo "      已有专用环境，直接更新。"
  else
    echo "      已有的专用环境不完整或不是 Python $HOST_PY 的（可能上次安装被中断），重新建立。"
    "$PY" -m venv --clear "$ENV_DIR" || fail "无法重新建立专用环境 $ENV_DIR。"
  fi
else
  "$PY" -m venv "$ENV_DIR" || fail "无法建立专用环境 $ENV_DIR（Debian/Ubuntu 需要先安装 python3-venv）。"
fi

echo "[3/5] 从安装包的 wheels 文件夹安装 jixiao 及其依赖（--no-index，不访问任何软件源）..."
"$ENV_DIR/bin/python" -m pip install --disable-pip-version-check --no-index \
  --find-links "$HERE/wheels" --upgrade "jixiao[addin]" \
  || fail "从 wheels 文件夹安装失败（安装包可能不完整，或不是为这台电脑生成的）。"

echo "[4/5] 生成 Excel 加载项 jixiao.xlam（记录专用环境的 Python）..."
"$ENV_DIR/bin/jixiao" addin build -o "$ENV_DIR" || fail "无法生成加载项。"

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
echo "  试一试：\"$ENV_DIR/bin/jixiao\" check \"$HERE/examples\""

"""``jixiao addin build|install``: the Excel add-in jixiao.xlam (built from xlwings' own)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("addin", help="生成或安装 Excel 加载项 jixiao.xlam",
                       description="生成或安装 Excel 加载项（“绩效自评”选项卡上的“校验/计算”按钮）。")
    s = p.add_subparsers(dest="addin_command", metavar="操作")
    b = s.add_parser("build", help="生成 jixiao.xlam（使用本机安装的 xlwings 与当前 Python）")
    b.add_argument("-o", "--out", default=".", metavar="目录", help="输出目录（默认当前目录）")
    b.set_defaults(func=run_build)
    i = s.add_parser("install", help="把 jixiao.xlam 安装到 Excel（Windows/macOS）")
    i.add_argument("--file", default="jixiao.xlam", metavar="文件", help="加载项文件（默认 ./jixiao.xlam）")
    i.set_defaults(func=run_install)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_build(args: argparse.Namespace) -> int:
    from jixiao.build import AddinBuildError, build_addin

    try:
        path = build_addin(Path(args.out))
    except AddinBuildError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return 2
    print(f"已生成加载项：{path}")
    return 0


def run_install(args: argparse.Namespace) -> int:
    from jixiao.build import install_addin

    return install_addin(Path(args.file))

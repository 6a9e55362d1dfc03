"""``jixiao addin build|install|status|remove``: the Excel add-in jixiao.xlam."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

XLSTART_HELP = "Excel 启动文件夹（默认按系统查找；也可用环境变量 JIXIAO_XLSTART 指定）"


def register(sub) -> None:
    p = sub.add_parser("addin", help="生成、安装、查看或卸载 Excel 加载项 jixiao.xlam",
                       description="Excel 加载项（“绩效自评”选项卡上的“校验/计算”按钮）。")
    s = p.add_subparsers(dest="addin_command", metavar="操作")
    b = s.add_parser("build", help="生成 jixiao.xlam（记录当前 Python 与已安装的 xlwings）")
    b.add_argument("-o", "--out", default=".", metavar="目录", help="输出目录（默认当前目录）")
    b.set_defaults(func=run_build)
    i = s.add_parser("install", help="把 jixiao.xlam 复制到 Excel 启动文件夹（先关闭 Excel）")
    i.add_argument("--file", default="jixiao.xlam", metavar="文件", help="加载项文件（默认 ./jixiao.xlam）")
    i.add_argument("--xlstart", metavar="目录", help=XLSTART_HELP)
    i.set_defaults(func=run_install)
    st = s.add_parser("status", help="查看已安装的加载项：位置、记录的 Python、xlwings 版本")
    st.add_argument("--xlstart", metavar="目录", help=XLSTART_HELP)
    st.set_defaults(func=run_status)
    r = s.add_parser("remove", help="从 Excel 启动文件夹删除 jixiao.xlam（先关闭 Excel）")
    r.add_argument("--xlstart", metavar="目录", help=XLSTART_HELP)
    r.set_defaults(func=run_remove)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_build(args: argparse.Namespace) -> int:
    from jixiao.build import (
        AddinBuildError,
        build_addin,
        interpreter_warnings,
        read_config_sheet,
        xlwings_version,
    )

    try:
        path = build_addin(Path(args.out))
    except AddinBuildError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return 2
    config = read_config_sheet(path)
    interpreter = config.get("Interpreter_Win") or config.get("Interpreter_Mac") or sys.executable
    print(f"已生成加载项：{path}")
    print(f"  记录的 Python：{interpreter}")
    print(f"  xlwings：{xlwings_version()}（每次点击时核对，版本变了会提示重新生成）")
    if config.get("Conda Path"):
        print(f"  conda：{config['Conda Path']}，环境 {config.get('Conda Env', '')}")
    for warning in interpreter_warnings(sys.executable or ""):
        print(f"  警告：{warning}", file=sys.stderr)
    print("下一步（先关闭 Excel）：jixiao addin install" +
          ("" if Path(args.out).resolve() == Path.cwd() else f" --file \"{path}\""))
    return 0


def run_install(args: argparse.Namespace) -> int:
    from jixiao.install import install_addin

    return install_addin(Path(args.file), xlstart=args.xlstart)


def run_status(args: argparse.Namespace) -> int:
    from jixiao.install import addin_status

    return addin_status(xlstart=args.xlstart)


def run_remove(args: argparse.Namespace) -> int:
    from jixiao.install import remove_addin

    return remove_addin(xlstart=args.xlstart)

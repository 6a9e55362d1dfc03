"""``jixiao template [-o FILE] [--department]``: write a fresh copy of the 自评表 template (or of the
部门整体支出绩效自评表 template)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("template", help="生成空白自评表模板", description="按规则文件生成空白的项目支出绩效自评表模板（.xlsx，不含宏）。")
    p.add_argument("-o", "--out", metavar="文件", help="输出文件（默认 ./自评表.xlsx，部门整体表为 ./部门整体自评表.xlsx）")
    p.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（下拉选项、分值、等级取自规则）")
    p.add_argument("--department", action="store_true",
                   help="生成部门整体支出绩效自评表模板（默认输出 ./部门整体自评表.xlsx）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jixiao.processor.cli.common import profile_from_args
    from jixiao.processor.files.atomic import UnsafeOutput
    from jixiao.processor.files.fileio import os_reason
    from jixiao.processor.template.department_form import build_department_template
    from jixiao.processor.template.project_form import build_template

    profile = profile_from_args(args)
    if profile is None:
        return 2
    name = "部门整体自评表.xlsx" if args.department else "自评表.xlsx"
    build = build_department_template if args.department else build_template
    out = Path(args.out or name)
    if out.is_dir() and not out.is_symlink():  # -o 某文件夹: the template goes inside it
        out = out / name
    try:
        build(out, profile)
    except ValueError:
        return _fail(f"模板只能保存为 .xlsx（不含宏）：{out}")
    except UnsafeOutput as exc:  # a link, a folder or a device where the file should be
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"无法写入“{out}”（{os_reason(exc)}）")
    print(f"已生成模板：{out}")
    return 0


def _fail(message: str) -> int:
    print(f"jixiao：{message}", file=sys.stderr)
    return 2

"""``jixiao fill FILE [-o OUT] [--in-place]``: write the computed cells and mark findings.

Exit status: 0 no errors, 1 some error found, 2 the input could not be read, the
output could not be written, or usage.
"""

from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser(
        "fill", help="校验并标注：写入计算结果、标出问题（默认另存新文件）",
        description="校验自评表，写入计算得出的执行率、得分、总分和等级，在有问题的单元格上标色并加批注，"
                    "并新增（或刷新）“校验结果”工作表。默认另存为“<原文件名>_已校验.xlsx”，原文件不变；"
                    "重复运行结果相同。")
    p.add_argument("file", metavar="文件", help="自评表文件（.xlsx/.xlsm；.xls 请先另存为 .xlsx）")
    p.add_argument("-o", "--output", metavar="输出文件", help="输出文件路径（.xlsx），默认与原文件同目录")
    p.add_argument("--in-place", action="store_true",
                   help="直接改写原文件（先备份为“<原文件名>.bak.xlsx”，再原子替换）")
    p.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（默认 default）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.openpyxl_write import fill_file

    try:
        profile = load_profile(args.rules)
        outcome = fill_file(args.file, args.output, in_place=args.in_place, profile=profile)
    except InputError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the input vanished or cannot be opened
        print(f"jixiao：{args.file}：无法读取（{exc.strerror or exc}）", file=sys.stderr)
        return 2
    for line in outcome.notices:
        print(f"jixiao：注意：{line}", file=sys.stderr)
    if outcome.backup is not None:
        print(f"原文件已备份为 {outcome.backup}", file=sys.stderr)
    print(outcome.summary)
    return 1 if outcome.has_errors else 0

"""``jixiao fill 路径... [-o 输出] [--in-place]``: write the computed cells and mark findings.

One file: ``-o`` names the output file (default ``<stem>_已校验.xlsx`` beside it). Several
files or folders (the collector's batch, :func:`jixiao.fill`): ``-o`` names a folder that
receives the annotated copies (``<stem>_已校验.xlsx``) in the same sub-folders; one line
per file, then a count. A file that cannot be processed is reported on its line and the
batch goes on.

Exit status: 0 no errors, 1 some error found, 2 an input could not be processed, the
output could not be written, or usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from jixiao.processor.files.fileio import os_reason


def register(sub) -> None:
    p = sub.add_parser(
        "fill", help="校验并标注：写入计算结果、标出问题（默认另存新文件）",
        description="校验自评表，写入计算得出的执行率、得分、总分和等级，在有问题的单元格上标色并加批注，"
                    "并新增（或刷新）“校验结果”工作表。默认另存为“<原文件名>_已校验.xlsx”，原文件不变；"
                    "重复运行结果相同。可以给多个文件或文件夹：用 -o 指定输出文件夹时按原目录结构另存。")
    p.add_argument("paths", nargs="+", metavar="路径",
                   help="自评表文件（.xlsx/.xlsm；.xls 请先另存为 .xlsx）或文件夹（逐层查找）")
    p.add_argument("-o", "--output", metavar="输出",
                   help="一个文件时为输出文件（.xlsx）；多个文件或文件夹时为输出文件夹（按原目录结构另存）")
    p.add_argument("--in-place", action="store_true",
                   help="直接改写原文件（先备份为“<原文件名>.bak.xlsx”，再原子替换）")
    p.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（默认 default）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jixiao.processor.cli.common import profile_from_args

    profile = profile_from_args(args)
    if profile is None:
        return 2
    batch = len(args.paths) > 1 or any(os.path.isdir(p) for p in [*args.paths, args.output or ""])
    if not batch:
        return _one(args.paths[0], args.output, args.in_place, profile)
    if args.output and args.in_place:
        print("jixiao：--in-place 与 -o 不能同时使用", file=sys.stderr)
        return 2
    if args.output and (Path(args.output).suffix.lower() in (".xlsx", ".xlsm") or os.path.isfile(args.output)):
        folders = [p for p in args.paths if os.path.isdir(p)]
        what = f"{folders[0]} 是文件夹" if len(args.paths) == 1 and folders else "有多个文件或文件夹"
        print(f"jixiao：{what}，-o 应为输出文件夹，而不是文件：{args.output}", file=sys.stderr)
        return 2
    return _batch(args.paths, Path(args.output) if args.output else None, args.in_place, profile)


def _one(path: str, output: str | None, in_place: bool, profile) -> int:
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.files.openpyxl_write import fill_file

    try:
        outcome = fill_file(path, output, in_place=in_place, profile=profile)
    except InputError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the input vanished or cannot be opened
        print(f"jixiao：{path}：无法读取（{os_reason(exc)}）", file=sys.stderr)
        return 2
    for line in outcome.notices:
        print(f"jixiao：注意：{line}", file=sys.stderr)
    if outcome.backup is not None:
        print(f"原文件已备份为 {outcome.backup}", file=sys.stderr)
    print(outcome.summary)
    return 1 if outcome.has_errors else 0


def _batch(paths: list[str], out_dir: Path | None, in_place: bool, profile) -> int:
    """The collector's batch through :func:`jixiao.fill`: a line as each file is done, then a count."""
    from jixiao.api import fill

    report = fill(paths, out_dir, in_place=in_place, rules=profile, progress=_line)
    total, failed = len(report.files), len(report.refused)
    with_errors = sum(1 for f in report.files if f.result is not None
                      and any(x.severity == "error" for x in f.result.all_findings))
    print(f"共 {total} 个文件：已写入 {total - failed} 个（其中 {with_errors} 个有错误），{failed} 个未处理。")
    return report.exit_code


def _line(step) -> None:
    head = f"[{step.index}/{step.total}] {step.name}"
    if step.file.refusal is not None:
        print(f"{head}：未处理：{step.file.refusal.message}", flush=True)
        return
    notices = f"（注意：{'；'.join(step.notices)}）" if step.notices else ""
    print(f"{head} → {step.written}：{_scores(step.file.result)}{_findings(step.file.result)}{notices}", flush=True)


def _scores(result) -> str:
    if len(result.sheets) != 1:
        return f"{len(result.sheets)} 张自评表；"
    from jixiao.processor.core.values import fmt_num

    sc = result.sheets[0].scores
    return f"总分 {fmt_num(sc.total_score)}（{sc.grade}）；"


def _findings(result) -> str:
    from jixiao.processor.core.plan import summary_text

    return summary_text(result.all_findings)

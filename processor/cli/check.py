"""``jixiao check FILE...``: read, score and audit; report as text or JSON.

Exit status: 0 no errors, 1 some error found, 2 an input could not be read or usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def register(sub) -> None:
    p = sub.add_parser("check", help="校验自评表（不修改文件）", description="校验一个或多个自评表文件，报告计算结果与发现的问题。")
    p.add_argument("files", nargs="+", metavar="文件", help="自评表文件（.xlsx/.xlsm/.xls），或文件夹（逐层查找其中的表格）")
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式：text（默认）或 json")
    p.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（默认 default）")
    p.add_argument("--explain", action="store_true",
                   help="同时列出每张表是怎样读的：表头在哪几行、哪一列是什么字段、哪些行被跳过及原因、"
                        "哪些内容未能识别（JSON 输出总是带有 read_map）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jixiao.api import check
    from jixiao.processor.cli.common import profile_from_args
    from jixiao.report import render_text, shown

    profile = profile_from_args(args)
    if profile is None:
        return 2
    report = check(args.files, profile)
    for refusal in report.refused:  # one Chinese line each, naming the file
        print(f"jixiao：{shown(f'{refusal.file}：{refusal.message}')}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(to_json(report.results), ensure_ascii=False, indent=2))
    elif sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from jixiao.processor.cli.terminal import write_trusted

        # our colours; submitted text is escaped inside render_text
        write_trusted(render_text(report.results, colour=True, explain=args.explain))
    else:
        print(render_text(report.results, explain=args.explain))
    return report.exit_code


def to_json(results) -> list[dict]:
    out = []
    for r in results:
        for i, s in enumerate(r.sheets):
            obj = s.as_json()
            if i == 0 and r.findings:  # file-level notes (skipped sheets, macros) ride on the first sheet
                obj["findings"] = [f.as_json() for f in r.findings] + obj["findings"]
            out.append(obj)
    return out

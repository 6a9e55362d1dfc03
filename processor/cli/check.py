"""``jixiao check FILE...``: read, score and audit; report as text or JSON.

Exit status: 0 no errors, 1 some error found, 2 an input could not be read or usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from jixiao.processor.core.findings import SEVERITY_CN, counts

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_RESET, _BOLD = "\033[0m", "\033[1m"


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
    from jixiao.processor.cli.common import profile_from_args
    from jixiao.processor.core.engine import check_file, cross_check
    from jixiao.processor.core.errors import InputError

    profile = profile_from_args(args)
    if profile is None:
        return 2
    results, failed = [], []
    for path in args.files:
        if os.path.isdir(path) and not expand_paths([path]):
            failed.append(path)
            print(f"jixiao：{path}：文件夹中没有 .xlsx、.xlsm 或 .xls 表格", file=sys.stderr)
    for path in expand_paths(args.files):
        try:
            results.append(check_file(path, profile))
        except InputError as exc:
            failed.append(exc)
            print(f"jixiao：{exc}", file=sys.stderr)
        except OSError as exc:  # a path that vanished between listing and reading
            failed.append(exc)
            print(f"jixiao：{path}：无法读取（{exc.strerror}）", file=sys.stderr)
    if len(results) > 1:
        cross_check(results, profile)
    if args.format == "json":
        print(json.dumps(to_json(results), ensure_ascii=False, indent=2))
    elif sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from jixiao.processor.cli.terminal import write_trusted

        write_trusted(render_text(results, colour=True, explain=args.explain))  # our colours; submitted text is shown()
    else:
        print(render_text(results, explain=args.explain))
    if failed:
        return 2
    return 1 if any(f.severity == "error" for r in results for f in r.all_findings) else 0


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; a folder becomes the workbooks in it (sorted, Excel lock files skipped)."""
    from jixiao.processor.cli.common import workbook_inputs

    return [path for path, _name in workbook_inputs(paths)]


def to_json(results) -> list[dict]:
    out = []
    for r in results:
        for i, s in enumerate(r.sheets):
            obj = s.as_json()
            if i == 0 and r.findings:  # file-level notes (skipped sheets, macros) ride on the first sheet
                obj["findings"] = [f.as_json() for f in r.findings] + obj["findings"]
            out.append(obj)
    return out


def _figure(x: float | None) -> str:
    return "无法确定" if x is None else f"{x:g}"


def render_text(results, colour: bool = False, explain: bool = False) -> str:
    from jixiao.processor.cli.terminal import shown  # submitted text: shown, never obeyed

    def c(sev: str, text: str) -> str:
        return f"{_COLOURS[sev]}{text}{_RESET}" if colour else text

    lines: list[str] = []
    total = dict.fromkeys(SEVERITY_CN, 0)
    for r in results:
        for f in r.findings:
            lines.append(f"{shown(r.file)}：{c(f.severity, SEVERITY_CN[f.severity])} {f.code} {shown(f.message)}")
        for s in r.sheets:
            sc = s.scores
            title = s.record.name or ("（未填部门名称）" if s.record.read.form == "department" else "（未填项目名称）")
            head = shown(f"{s.file} — 工作表“{s.sheet}”：{title}")
            lines.append(f"{_BOLD}{head}{_RESET}" if colour else head)
            if explain:
                from jixiao.processor.cli.explain import explain_lines

                lines += explain_lines(s.record, sc)
            rate = "无法计算" if sc.execution_rate is None else f"{sc.execution_rate * 100:.2f}%"
            grade = f"（{sc.grade}）" if sc.grade else ""
            lines.append(f"  计算结果：执行率 {rate}，预算执行率得分 {_figure(sc.execution_score)}，指标得分 "
                         f"{_figure(sc.indicator_score)}，总分 {_figure(sc.total_score)}{grade}，"
                         f"权重合计 {_figure(sc.weights_total)}")
            n = counts(s.findings)
            for k in total:
                total[k] += n[k]
            if not s.findings:
                lines.append("  未发现问题。")
            for sev in SEVERITY_CN:
                group = [f for f in s.findings if f.severity == sev]
                if not group:
                    continue
                lines.append("  " + c(sev, f"{SEVERITY_CN[sev]}（{len(group)}）"))
                for f in group:
                    lines.append(f"    {shown(f.cell or '整表'):<7} {f.code}  {shown(f.message)}")
                    lines.append(f"            → {shown(f.fix)}")
            lines.append("")
    n_sheets = sum(len(r.sheets) for r in results)
    lines.append(f"共检查 {len(results)} 个文件、{n_sheets} 张自评表：错误 {total['error']} 个，"
                 f"提示 {total['warning']} 个，说明 {total['info']} 条。")
    return "\n".join(lines)

"""``jixiao merge PATH... -o 汇总.xlsx``: every submitted workbook → one summary.

Exit status: 0 the summary was written (files not merged and every finding are listed
in it); 2 nothing written — a usage, rule, department or roster file problem, a path
that does not exist, no readable form at all (an existing summary is then left as it
was, unless ``--allow-empty``), or the output cannot be written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from jixiao.processor.files.fileio import os_reason


def register(sub) -> None:
    p = sub.add_parser(
        "merge", help="汇总多个自评表（生成部门汇总表和问题清单）",
        description="逐个读取文件夹（含子文件夹）中的自评表，去除重复，生成项目汇总、分数段统计、"
                    "报告文字、问题清单和文件清单。任何输入文件都不会被修改。")
    p.add_argument("paths", nargs="+", metavar="路径", help="自评表文件或文件夹（文件夹会逐层查找）")
    p.add_argument("-o", "--output", metavar="汇总.xlsx", default="汇总.xlsx", help="汇总工作簿（默认：汇总.xlsx）")
    p.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（默认 default）")
    p.add_argument("--workers", type=int, metavar="N",
                   help="并行读取的进程数（默认：每个 CPU 核一个，文件少时相应减少）")
    p.add_argument("--json", metavar="文件", help="另存全部记录、得分和问题为 JSON")
    p.add_argument("--csv", metavar="文件夹",
                   help="另存项目、指标、问题、文件四张表为 CSV（UTF-8 带 BOM，供 Excel 和 Power Query 使用）")
    p.add_argument("--department", metavar="部门数据文件",
                   help="部门预算数、执行数、结转结余等（CSV、xlsx 或 JSON，格式见 docs/汇总说明.md）")
    p.add_argument("--dept-eval", action="append", default=[], metavar="项目名称",
                   help="部门评价项目的名称或文件名（可重复）；表内未写评价方式的项目默认为单位自评")
    p.add_argument("--dept-eval-list", metavar="名单文件", help="部门评价项目名单，每行一个项目名称或文件名")
    p.add_argument("--total-projects", type=int, metavar="N", help="部门项目总数（默认：已汇总的项目数）")
    p.add_argument("--department-name", metavar="名称", help="报告文字中的部门简称，如“区信访办”")
    p.add_argument("--roster", metavar="名单文件",
                   help="应报送单位名单（CSV 或 xlsx：单位、联系人、邮箱），列出未提交和有错误的单位")
    p.add_argument("--report", metavar="报告.docx",
                   help="另写部门整体绩效评价报告草稿（Word .docx）：按公开报告的结构，数字均取自本次汇总，"
                        "需由部门填写的部分标为【待填写】")
    p.add_argument("--deadline", metavar="YYYY-MM-DD",
                   help="报送截止日期：收件登记中晚于该日收到的文件在“文件清单”“单位排名”中标为逾期")
    p.add_argument("--summary-date", metavar="YYYY-MM-DD",
                   help="印在汇总表页眉上的汇总日期（默认：今天）")
    p.add_argument("--archive", metavar="档案",
                   help="绩效档案（SQLite 文件如 绩效档案.sqlite，或 postgresql:// 地址）：存入本次汇总的自评表，"
                        "并与上一年度对比（“年度对比”表，见 docs/档案.md）")
    p.add_argument("--limit-seconds", type=float, metavar="秒",
                   help="读取每个文件最多用的 CPU 时间，超过则停止读取该文件并列为未汇总（默认 20）")
    p.add_argument("--limit-memory", type=int, metavar="MB",
                   help="每个读取进程最多再占用的内存，超过则停止读取当前文件并列为未汇总（默认 512）")
    p.add_argument("--allow-empty", action="store_true",
                   help="没有读到任何自评表时仍写出（空的）汇总表；默认此时不写，原有汇总表保持不变")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from jixiao.processor.cli.common import profile_from_args
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.merge.json_out import write_json
    from jixiao.processor.merge.method import read_name_list
    from jixiao.processor.merge.run import MergeOptions, merge
    from jixiao.processor.merge.runner import Budget
    from jixiao.processor.merge.summary_xlsx import write_summary

    def fail(message: str) -> int:
        print(f"jixiao：{message}", file=sys.stderr)
        return 2

    if args.workers is not None and args.workers < 1:
        return fail("--workers 应为正整数")
    if args.total_projects is not None and args.total_projects < 1:
        return fail("--total-projects 应为正整数")
    if args.limit_seconds is not None and args.limit_seconds <= 0:
        return fail("--limit-seconds 应为正数")
    if args.limit_memory is not None and args.limit_memory < 16:
        return fail("--limit-memory 应不小于 16（MB）")
    try:
        deadline = _day(args.deadline)
        summary_date = _day(args.summary_date)
    except ValueError as exc:
        return fail(f"日期应写成 YYYY-MM-DD（如 2025-03-31）：{exc.args[0]}")
    if not args.output.lower().endswith(".xlsx"):  # Excel refuses an .xlsx under .xls/.xlsm, .csv shows garbage
        return fail(f"-o 的文件名应以 .xlsx 结尾：{args.output}")
    if args.report and not args.report.lower().endswith(".docx"):
        return fail("--report 的文件名应以 .docx 结尾")
    for target in (args.output, args.json, args.report):  # every output checked before any reading
        out_dir = os.path.dirname(os.path.abspath(target)) if target else None
        if out_dir and not os.path.isdir(out_dir):
            return fail(f"输出文件夹不存在：{out_dir}（{target}）")
    if args.csv and os.path.exists(args.csv) and not os.path.isdir(args.csv):
        return fail(f"--csv 应指定一个文件夹，“{args.csv}”是一个文件")
    profile = profile_from_args(args)
    if profile is None:
        return 2
    names = list(args.dept_eval)
    if args.dept_eval_list:
        try:
            names += read_name_list(args.dept_eval_list)
        except OSError as exc:
            return fail(f"{args.dept_eval_list}：无法读取部门评价名单（{os_reason(exc)}）")
    clash = _overwrites_a_submission(args)
    if clash:
        return fail(clash)
    exclude = [os.path.abspath(args.output)] + ([os.path.abspath(args.json)] if args.json else []) \
        + ([os.path.abspath(args.report)] if args.report else [])
    extras = ["json"] if args.json else []  # what the workers send beyond the summary's needs
    if args.csv:  # our own tables are never read back as submissions
        from jixiao.tables import SHEET_ROWS, TABLES

        exclude += [os.path.abspath(os.path.join(args.csv, f"{table}.csv")) for table in TABLES]
        extras.append(SHEET_ROWS)
    if args.archive:  # opened (and created or migrated) before any workbook is read
        from jixiao.processor.cli.archive import check_archive

        try:
            exclude += check_archive(args.archive)
        except InputError as exc:
            return fail(str(exc))
    options = MergeOptions(dept_evaluated=names, total_projects=args.total_projects,
                           department_name=args.department_name, department_file=args.department,
                           workers=args.workers, exclude=exclude, roster=args.roster, archive=args.archive,
                           extras=tuple(extras), budget=_budget(Budget, args), deadline=deadline,
                           summary_date=summary_date)
    try:
        with _Progress(enabled=sys.stderr.isatty()) as bar:
            result = merge(args.paths, profile, options, progress=bar.advance, on_discovered=bar.start)
    except InputError as exc:  # a path that does not exist, the department or roster file
        return fail(str(exc))
    if not result.projects and not args.allow_empty:
        kept = f"原有的“{args.output}”保持不变。" if os.path.exists(args.output) else ""
        return fail(f"没有读到可汇总的自评表，未写出汇总表。{result.summary_line()}{kept}"
                    "（确需写出空汇总表时加 --allow-empty）")
    import gc

    gc.freeze()  # the result is kept to the end: the collector need not scan it while writing
    target = args.output  # the output being written, named when it cannot be
    try:
        write_summary(result, args.output)
        if args.json:
            target = args.json
            write_json(result, args.json)
        if args.report:
            from jixiao.processor.merge.report_docx import write_report

            target = args.report
            write_report(result, args.report)
        if args.csv:
            from jixiao.summary import Summary

            target = args.csv
            Summary(result).write_csv(args.csv)
    except PermissionError:
        return fail(f"无法写入“{target}”：没有权限，或该文件正在 Excel/WPS 中打开，请关闭后重试")
    except OSError as exc:
        return fail(f"无法写入“{target}”（{os_reason(exc)}）")
    print(f"{result.summary_line()}汇总表：{args.output}" + (f"；报告草稿：{args.report}" if args.report else ""))
    if result.archive_line:
        print(result.archive_line)
    return 0  # the summary is written; what is wrong in the submissions is listed inside it


SUMMARY_TITLE = "<dc:title>项目支出绩效自评汇总</dc:title>"  # the document title write_summary sets


def _overwrites_a_submission(args: argparse.Namespace) -> str | None:
    """The refusal when ``-o``, ``--json`` or ``--report`` names a workbook among the inputs
    that is not an earlier summary: ``jixiao merge 收件箱 -o 收件箱/某单位.xlsx`` would
    leave that unit out of the summary (an output is never read) and write over its form."""
    roots = [os.path.realpath(p) for p in args.paths]
    for option, target in (("-o", args.output), ("--json", args.json), ("--report", args.report)):
        if not target:
            continue
        full = os.path.realpath(target)
        inside = any(full == r or full.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
        if inside and os.path.isfile(full) and _submitted_workbook(full):
            return (f"{option} 指定的“{target}”是待汇总的工作簿之一，写出会覆盖它，该表也不会被汇总；"
                    "请另选输出文件名（该文件保持不变）")
    return None


def _submitted_workbook(path: str) -> bool:
    """A workbook (.xls, or a zip holding ``xl/workbook.xml``) other than a summary jixiao wrote."""
    import zipfile

    try:
        with open(path, "rb") as fh:
            if fh.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                return True
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if not names & {"xl/workbook.xml", "xl/workbook.bin"}:
                return False  # a report .docx, or no workbook at all
            if "docProps/core.xml" in names:
                with z.open("docProps/core.xml") as fh:
                    return SUMMARY_TITLE.encode() not in fh.read(4096)
            return True
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError):
        return False  # not a zip: JSON, text — nothing merge would read


def _day(text: str | None):
    """A YYYY-MM-DD option as a date (None when not given); ValueError naming the text."""
    if not text:
        return None
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(text) from None


def _budget(budget_type, args: argparse.Namespace):
    default = budget_type()
    return budget_type(seconds=args.limit_seconds or default.seconds,
                       memory_mb=args.limit_memory or default.memory_mb)


class _Progress:
    """A rich progress bar on a terminal; nothing when output is piped.

    Refreshed from the calling thread (no refresh thread): the merge forks its worker
    processes, and forking a process that runs other threads is unsafe."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None
        self._task = None
        self._shown = 0.0

    def __enter__(self) -> _Progress:
        if self.enabled:
            from jixiao.processor.cli.terminal import raw_stderr
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("读取自评表"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), console=Console(file=raw_stderr()), transient=True,
                                 auto_refresh=False)
            self._bar.__enter__()
        return self

    def start(self, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task("read", total=total)
            self._bar.refresh()

    def advance(self, _item) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)
            now = time.monotonic()
            if now - self._shown > 0.1:
                self._shown = now
                self._bar.refresh()

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

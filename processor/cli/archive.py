"""``jixiao archive add|info|overrides`` and ``jixiao compare``: a thin shell over the archive.

Exit status: 0 done; 2 nothing done (usage, archive or override file problem). What the
comparison finds in the submissions is its output, not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

DEFAULT_ARCHIVE = "绩效档案.sqlite"
ARCHIVE_HELP = "绩效档案：SQLite 文件路径，或 postgresql://用户@主机/数据库（默认：绩效档案.sqlite）"


def register(sub) -> None:
    p = sub.add_parser("archive", help="绩效档案：存入自评表、查看档案、导入对照文件",
                       description="绩效档案保存历年汇总过的自评表，供跨年对比（见 docs/档案.md）。")
    acts = p.add_subparsers(dest="action", metavar="操作", parser_class=type(p))
    a = acts.add_parser("add", help="把自评表（文件或文件夹）存入档案",
                        description="读取并校验自评表（与 jixiao merge 相同：去重、保留最新版本），存入档案。"
                                    "已在档案中的文件（内容相同）不重复存入；出错时档案保持原样。")
    a.add_argument("paths", nargs="+", metavar="路径", help="自评表文件或文件夹（文件夹会逐层查找）")
    a.add_argument("--archive", default=DEFAULT_ARCHIVE, metavar="档案", help=ARCHIVE_HELP)
    a.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（默认 default）")
    a.add_argument("--workers", type=int, metavar="N", help="并行读取的进程数（默认自动）")
    a.set_defaults(func=run_add)
    i = acts.add_parser("info", help="档案概况：结构版本、各年度项目数")
    i.add_argument("--archive", default=DEFAULT_ARCHIVE, metavar="档案", help=ARCHIVE_HELP)
    i.set_defaults(func=run_info)
    o = acts.add_parser("overrides", help="导入对照文件（人工指定跨年对应关系），替换档案中原有的对照",
                        description="对照文件为 CSV 或 JSON，格式见 docs/档案.md；导入后 merge 和 compare 都按它匹配。")
    o.add_argument("file", metavar="对照文件", help="CSV（UTF-8 或 GBK）或 JSON")
    o.add_argument("--archive", default=DEFAULT_ARCHIVE, metavar="档案", help=ARCHIVE_HELP)
    o.set_defaults(func=run_overrides)
    p.set_defaults(func=lambda _args: (p.print_help(), 2)[1])

    c = sub.add_parser("compare", help="跨年对比（指标照搬、目标调低、预算与得分、新增/终止/更名项目）",
                       description="把档案中某一年度的自评表与上一年度逐项目对比，列出变化和 Y 类问题。")
    c.add_argument("--archive", default=DEFAULT_ARCHIVE, metavar="档案", help=ARCHIVE_HELP)
    c.add_argument("--year", type=int, metavar="年度", help="本年度（默认：档案中最近的年度）")
    c.add_argument("--against", type=int, metavar="年度", help="对比年度（默认：档案中本年度之前最近的年度）")
    c.add_argument("--overrides", metavar="对照文件", help="本次使用的对照文件（默认使用档案中已导入的对照）")
    c.add_argument("--rules", metavar="规则文件", help="规则名称或 JSON 文件（默认 default）")
    c.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    c.add_argument("-o", "--output", metavar="年度对比.xlsx", help="另存为工作簿（年度对比、问题清单两张表）")
    c.set_defaults(func=run_compare)


def _fail(message: str) -> int:
    print(f"jixiao：{message}", file=sys.stderr)
    return 2


def check_archive(target: str, outputs: tuple[str | None, ...] = ()) -> list[str]:
    """Open (create, migrate) the archive once; the files a folder walk must skip. Raises InputError.

    ``outputs`` are the files the command will write: one that is the archive itself (a slip of
    ``-o``) would replace years of archived forms by a workbook, so it is refused first.
    """
    from jixiao.processor.archive.store import Archive

    refuse_output_over_archive(target, outputs)
    Archive.open(target).close()
    return archive_files(target)


def archive_files(target: str) -> list[str]:
    """The SQLite file and the files SQLite keeps beside it (none for a database URL)."""
    from jixiao.processor.archive.db import is_url

    if is_url(target):
        return []
    path = os.path.abspath(target)
    return [path] + [path + s for s in ("-wal", "-shm", "-journal")]


def refuse_output_over_archive(target: str, outputs) -> None:
    from jixiao.processor.core.errors import InputError

    kept = {os.path.normcase(os.path.realpath(p)) for p in archive_files(target)}
    for out in filter(None, outputs):
        if os.path.normcase(os.path.realpath(out)) in kept:
            raise InputError.of("Y690", file=target, reason=f"输出文件“{out}”就是档案本身，写出会覆盖档案；"
                                                            "请为 -o 换一个文件名")


def run_add(args: argparse.Namespace) -> int:
    from jixiao.processor.cli.common import profile_from_args
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.merge.run import MergeOptions, merge

    if args.workers is not None and args.workers < 1:
        return _fail("--workers 应为正整数")
    profile = profile_from_args(args)
    if profile is None:
        return 2
    try:
        from jixiao.processor.archive.merge_hook import FORM_ENTRY, merged_entries
        from jixiao.processor.archive.store import Archive

        exclude = check_archive(args.archive)
        options = MergeOptions(workers=args.workers, exclude=exclude, extras=(FORM_ENTRY,))
        result = merge(args.paths, profile, options)

        with Archive.open(args.archive) as archive:
            report = archive.add(merged_entries(result, profile), command="archive add",
                                 sources=[str(p) for p in args.paths], profile=profile.id)
    except InputError as exc:
        return _fail(str(exc))
    failed = [f for f in result.files if f.status == "failed"]
    print(f"读取 {len(result.files)} 个文件：{len(result.projects)} 张自评表可存入，未能读取 {len(failed)} 个。"
          + report.line())
    for f in failed:
        print(f"  未存入 {printable(f.name)}：{printable(f.reason)}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from jixiao.processor.archive.store import Archive
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.values import fmt_num

    try:
        with Archive.open(args.archive, create=False) as archive:
            info, years, overrides = archive.info(), archive.years(), archive.overrides()
            label = archive.label
    except InputError as exc:
        return _fail(str(exc))
    print(f"绩效档案 {label}：结构版本 {info.get('schema_version')}，创建于 {info.get('created_at')}"
          f"（{info.get('created_by')}）；{info['batches']} 次存入，{info['files']} 个文件，{info['forms']} 张自评表。")
    for y in years:
        when = f"{y.year} 年度" if y.year else "年度不明"
        print(f"  {when}：{y.forms} 个项目，{y.units} 个单位，全年预算数合计 {fmt_num(y.budget)} 万元")
    if overrides:
        print(f"  对照：{len(overrides)} 条（来自 {printable(overrides[0].source.rsplit(' 第 ', 1)[0])}）")
    return 0


def run_overrides(args: argparse.Namespace) -> int:
    from jixiao.processor.archive.match import read_overrides
    from jixiao.processor.archive.store import Archive
    from jixiao.processor.core.errors import InputError

    try:
        rows = read_overrides(args.file)
        with Archive.open(args.archive) as archive:
            archive.set_overrides(rows)
    except InputError as exc:
        return _fail(str(exc))
    print(f"已导入对照 {len(rows)} 条（替换原有对照）。")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from jixiao.processor.archive.compare import YearOrderError, compare_years
    from jixiao.processor.archive.match import read_overrides
    from jixiao.processor.archive.store import Archive
    from jixiao.processor.cli.common import profile_from_args
    from jixiao.processor.core.errors import InputError

    if args.year is not None and args.against is not None and args.against >= args.year:
        return _fail("--against 应早于 --year")
    if args.output and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        return _fail(f"输出文件夹不存在：{os.path.dirname(os.path.abspath(args.output))}")
    profile = profile_from_args(args)
    if profile is None:
        return 2
    try:
        refuse_output_over_archive(args.archive, (args.output,))
        overrides = read_overrides(args.overrides) if args.overrides else None
        with Archive.open(args.archive, create=False) as archive:
            review = compare_years(archive, args.year, args.against, profile=profile, overrides=overrides)
    except InputError as exc:
        return _fail(str(exc))
    except YearOrderError:
        return _fail("--against 应早于 --year")
    if args.output:
        try:
            from jixiao.processor.archive.sheet import write_workbook

            write_workbook(review, args.output)
        except OSError as exc:
            return _fail(f"无法写入“{args.output}”（{exc.strerror or exc}），如该文件正在 Excel/WPS 中打开，请关闭后重试")
    if args.format == "json":
        print(json.dumps(review.as_json(), ensure_ascii=False, indent=1))
    else:
        print(render_text(review))
        if args.output:
            print(f"年度对比表：{args.output}")
    return 0


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Submission text for the terminal: no control characters (no escape sequences)."""
    return _CONTROL.sub("", text)


def render_text(review) -> str:
    from jixiao.processor.core.values import fmt_num

    lines = list(review.summary_lines())
    sections = [
        ("指标照搬上年", [p for p in review.pairs if p.copied], lambda p: f"{len(p.copied)}/{len(p.new.indicators)} 项相同"),
        ("目标调低而得分上升", [p for p in review.pairs if p.lowered], lambda p: "；".join(
            f"{n.name}：“{o.target_text}”→“{n.target_text}”" for n, o in p.lowered)
            + f"（得分 {fmt_num(p.old.total_score)}→{fmt_num(p.new.total_score)}）"),
        ("预算增加而得分下降", [p for p in review.pairs if p.budget_up_score_down], lambda p:
            f"预算 {fmt_num(p.old.budget)}→{fmt_num(p.new.budget)} 万元，得分 {fmt_num(p.old.total_score)}"
            f"→{fmt_num(p.new.total_score)}"),
        ("连续两年满分且无偏差说明", [p for p in review.pairs if p.full_marks_both], lambda p: ""),
        ("更名", [p for p in review.pairs if p.match.kind != "同名"], lambda p:
            f"上年“{p.old.project}”（{p.match.kind}：{p.match.evidence}）"),
    ]
    for title, items, detail in sections:
        if items:
            lines += ["", f"{title}（{len(items)} 个）："]
            lines += [f"  - {p.new.unit}　{p.new.project}　{detail(p)}".rstrip() for p in items]
    if review.undecided:
        lines += ["", f"无法确定（{len(review.undecided)} 个，请在对照文件中指定）："]
        lines += [f"  - {u.form.unit}　{u.form.project}：{u.reason}" for u in review.undecided]
    for title, forms in (("新增", review.new), ("终止", review.ended)):
        if forms:
            lines += ["", f"{title}（{len(forms)} 个）："]
            lines += [f"  - {f.unit}　{f.project}" for f in forms]
    falling = [u for u in review.units if u.direction == "下降"]
    if falling:
        lines += ["", f"平均得分下降的单位（{len(falling)} 个）："]
        lines += [f"  - {u.unit}　{fmt_num(u.change)} 分" for u in falling]
    return printable("\n".join(lines))

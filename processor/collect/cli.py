"""``jixiao collect`` and ``jixiao reply``.

``collect`` exit status: 0 done (messages that could not be read are listed in the
register, not fatal), 2 usage error or a source that cannot be read at all (missing
file, IMAP connection or login failed).
``reply`` exit status: 0 drafts written, 2 no register, usage error, an output folder
that cannot be used, or a draft that could not be written (the others are written).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date, datetime
from pathlib import Path

from jixiao.processor.files.fileio import os_reason

DEFAULT_PASSWORD_ENV = "JIXIAO_IMAP_PASSWORD"


def register(sub) -> None:
    """Add both sub-commands (the main CLI's convention)."""
    add_collect_parser(sub)
    add_reply_parser(sub)


def _since(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"日期格式应为 2024-03-01，收到“{text}”")


def add_collect_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "collect",
        allow_abbrev=False,  # "--password" must not silently mean "--password-env"
        help="从邮箱收取自评表附件（.eml / mbox / Maildir / IMAP）",
        description=(
            "把各单位发来的自评表附件按“发件人/日期_文件名”保存到输出文件夹，并登记到 收件登记.csv / "
            "收件登记.json。重复运行只收新邮件。只读：不删除、不标记任何邮件。"
        ),
    )
    p.add_argument("sources", nargs="*", metavar="来源", help=".eml 文件、mbox 文件或 Maildir 文件夹")
    p.add_argument("-o", "--out", required=True, metavar="文件夹", help="保存附件与收件登记的文件夹")
    g = p.add_argument_group("IMAP 邮箱（只读）")
    g.add_argument("--imap", metavar="服务器", help="IMAP 服务器地址，如 imap.example.gov.cn")
    g.add_argument("--port", type=int, metavar="端口", help="端口（默认：TLS 993，STARTTLS/明文 143）")
    g.add_argument("--user", metavar="用户名", help="登录用户名（默认取环境变量 JIXIAO_IMAP_USER）")
    g.add_argument("--folder", default="INBOX", metavar="邮件文件夹", help="邮件文件夹（默认 INBOX，可为中文名）")
    g.add_argument("--since", type=_since, metavar="日期", help="只收此日期（含）以后的邮件，如 2024-03-01")
    sec = g.add_mutually_exclusive_group()
    sec.add_argument("--starttls", dest="security", action="store_const", const="starttls",
                     help="使用 STARTTLS（默认为直接 TLS）")
    sec.add_argument("--no-tls", dest="security", action="store_const", const="plain",
                     help="不加密（仅用于本机测试服务器）")
    g.add_argument("--cafile", metavar="证书", help="信任此 CA / 自签名证书文件（PEM）")
    g.add_argument("--insecure", action="store_true", help="不验证服务器证书（不建议）")
    g.add_argument("--password-env", default=DEFAULT_PASSWORD_ENV, metavar="变量名",
                   help=f"从此环境变量读取密码（默认 {DEFAULT_PASSWORD_ENV}）；未设置时在终端提示输入")
    g.add_argument("--list-folders", action="store_true", help="只列出邮箱中的文件夹名")
    r = p.add_argument_group("催交")
    r.add_argument("--roster", metavar="名单", help="应交单位名单（CSV 或 Excel：单位、联系人、邮箱）")
    r.add_argument("--roster-sheet", metavar="工作表", help="名单所在工作表（默认自动查找）")
    r.add_argument("--rules", metavar="规则文件", help="审核规则名称或 JSON 文件（默认 default）")
    p.add_argument("--max-attachment-mb", type=int, default=50, metavar="MB", help="单个附件上限（MB，默认 50）")
    p.add_argument("-q", "--quiet", action="store_true", help="只输出汇总")
    p.set_defaults(func=run_collect, security="tls")
    return p


def add_reply_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "reply",
        help="为每个发件人生成审核意见回复草稿（.eml，不发送）",
        description="读取 collect 的收件登记，审核每个已保存的表格，为每个发件人写一封回复草稿（X-Unsent: 1），不发送任何邮件。",
    )
    p.add_argument("dir", metavar="文件夹", help="collect 的输出文件夹")
    p.add_argument("--out", required=True, metavar="草稿文件夹", help="写入 .eml 草稿的文件夹")
    p.add_argument("--from", dest="from_addr", metavar="地址", help="草稿的发件人地址（默认为来信的收件地址）")
    p.add_argument("--only-problems", action="store_true", help="只为有问题的发件人生成草稿")
    p.add_argument("--rules", metavar="规则文件", help="审核规则名称或 JSON 文件（默认 default）")
    p.add_argument("--archive", metavar="档案",
                   help="绩效档案（见 docs/档案.md）：已存入档案的表，附上跨年对比发现的问题")
    p.set_defaults(func=run_reply)
    return p


def _err(text: str) -> None:
    print(f"jixiao：{text}", file=sys.stderr)


def _password(args: argparse.Namespace, user: str) -> str | None:
    env_name = args.password_env or DEFAULT_PASSWORD_ENV
    value = os.environ.get(env_name)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"{user}@{args.imap} 的密码（输入时不显示）：")
    _err(f"未提供 IMAP 密码：请设置环境变量 {env_name}，或在终端中运行以便输入密码")
    return None


def run_collect(args: argparse.Namespace) -> int:
    from jixiao.processor.collect.attachments import MIB, Limits
    from jixiao.processor.collect.collector import Collector
    from jixiao.processor.collect.manifest import MANIFEST_CSV, Manifest
    from jixiao.processor.collect.sources import ImapOptions, iter_imap, iter_paths, list_folders
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.files.atomic import UnsafeOutput

    out = Path(args.out)
    if not args.sources and not args.imap and not args.roster:
        _err("请指定来源（.eml / mbox / Maildir）、--imap 服务器或 --roster 名单")
        return 2
    if out.exists() and not out.is_dir():
        _err(f"{out}：已存在，是一个文件而不是文件夹")
        return 2
    imap_opts = None
    if args.imap:
        user = args.user or os.environ.get("JIXIAO_IMAP_USER", "")
        if not user:
            _err("请用 --user 指定 IMAP 用户名（或设置环境变量 JIXIAO_IMAP_USER）")
            return 2
        password = _password(args, user)
        if password is None:
            return 2
        imap_opts = ImapOptions(host=args.imap, user=user, password=password, port=args.port,
                                folder=args.folder, since=args.since, security=args.security or "tls",
                                cafile=args.cafile, insecure=args.insecure)
        if args.security == "plain":
            print("注意：--no-tls 不加密，密码与邮件以明文传输，只应用于本机测试。", file=sys.stderr)
        if args.list_folders:
            try:
                for name in list_folders(imap_opts):
                    print(name)
            except InputError as exc:
                _err(str(exc))
                return 2
            return 0
    limits = Limits(max_attachment_bytes=max(1, args.max_attachment_mb) * MIB)
    log = (lambda _m: None) if args.quiet else (lambda m: print(m))
    if args.sources or imap_opts:
        try:
            out.mkdir(parents=True, exist_ok=True)
            manifest = Manifest.load(out, repair=True)  # a damaged register is set aside, not fatal
        except OSError as exc:
            _err(f"{out}：无法使用输出文件夹（{os_reason(exc)}）")
            return 2
        for line in manifest.problems:
            _err(line)
        collector = Collector(out, manifest, limits, log=log)
        try:
            if args.sources:
                collector.run(iter_paths([Path(s) for s in args.sources], limits.max_message_bytes))
            if imap_opts:
                collector.run(iter_imap(imap_opts, is_known_source=collector.is_known_source,
                                        is_known_message=collector.is_known_message))
        except InputError as exc:
            _err(str(exc))
            _summary(collector, out / MANIFEST_CSV, quiet=args.quiet)
            return 2
        except UnsafeOutput as exc:  # a link or a file planted in the output folder
            _err(f"{exc}；收件已停止，已处理的邮件已登记")
            return 2
        except OSError as exc:
            _err(f"读取或写入失败：{os_reason(exc)}")
            return 2
        _summary(collector, out / MANIFEST_CSV, quiet=args.quiet)
    if args.roster:
        return _roster(args, out)
    return 0


def _summary(collector, csv_path: Path, *, quiet: bool) -> None:
    s = collector.stats
    if not quiet:
        for rel in s.saved_paths:
            print(f"  已保存 {rel}")
    print(
        f"收件完成：新邮件 {s.new_messages} 封（已登记过、跳过 {s.known} 封）；"
        f"保存表格 {s.saved} 个，重复 {s.duplicates} 个，无法读取 {s.unreadable} 个，"
        f"已拒绝 {s.rejected} 个，无表格附件的邮件 {s.no_attachment} 封"
        + (f"，发件人地址无效（单独存放、不生成草稿）{s.invalid_senders} 封" if s.invalid_senders else "")
        + f"。登记表：{csv_path}"
    )


def _roster(args: argparse.Namespace, out: Path) -> int:
    from jixiao.processor.collect.checks import check_entries
    from jixiao.processor.collect.manifest import Manifest, _atomic_write
    from jixiao.processor.collect.roster import (
        ROSTER_REPORT_CSV,
        build_report,
        load_roster,
        render_text,
        report_csv,
    )
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import load_profile

    try:
        units = load_roster(args.roster, args.roster_sheet)
        profile = load_profile(args.rules)
    except InputError as exc:
        _err(str(exc))
        return 2
    manifest = Manifest.load(out) if out.is_dir() else Manifest(out)
    for line in manifest.problems:
        _err(line)
    checks = check_entries(out, manifest.entries, profile)
    report = build_report(units, manifest, checks)
    print()
    print(render_text(report))
    if out.is_dir():
        path = out / ROSTER_REPORT_CSV
        try:
            _atomic_write(path, report_csv(report).encode("utf-8-sig"))
        except OSError as exc:
            _err(f"无法写入 {path}：{os_reason(exc)}")
            return 2
        print(f"\n收件情况已写入 {path}")
    return 0


def run_reply(args: argparse.Namespace) -> int:
    from jixiao.processor.collect.addresses import normalize_address
    from jixiao.processor.collect.checks import check_entries
    from jixiao.processor.collect.manifest import MANIFEST_CSV, MANIFEST_JSON, Manifest
    from jixiao.processor.collect.reply import group_by_sender, write_drafts
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import load_profile
    from jixiao.processor.files.atomic import UnsafeOutput, ensure_folder

    root = Path(args.dir)
    if not (root / MANIFEST_JSON).is_file() and not (root / MANIFEST_CSV).is_file():
        _err(f"{root}：没有收件登记（请先运行 jixiao collect … -o {root}）")
        return 2
    sender_address = None
    if args.from_addr:  # "财务处 <cw@x.gov.cn>" or a bare address
        from email.utils import formataddr, parseaddr

        from jixiao.processor.core.visible import without_controls

        name, addr = parseaddr(args.from_addr)
        address, problem = normalize_address(addr)
        if problem:
            _err(f"--from 的地址无效（{problem}）")
            return 2
        sender_address = formataddr((without_controls(name), address)) if name else address
    try:
        profile = load_profile(args.rules)
    except InputError as exc:
        _err(str(exc))
        return 2
    try:
        out = ensure_folder(Path(args.out))
    except UnsafeOutput as exc:
        _err(f"--out：{exc}")
        return 2
    except OSError as exc:
        _err(f"--out：无法创建文件夹“{args.out}”（{os_reason(exc)}）")
        return 2
    manifest = Manifest.load(root)
    for line in manifest.problems:
        _err(line)
    checks = check_entries(root, manifest.entries, profile)
    if args.archive:  # year-on-year findings (Y) of the files kept in the archive
        from jixiao.processor.archive.merge_hook import add_to_checks

        try:
            add_to_checks(checks, args.archive, profile)
        except InputError as exc:
            _err(str(exc))
            return 2
    reports = group_by_sender(manifest, checks)
    outcome = write_drafts(reports, out, sender_address=sender_address, only_problems=args.only_problems)
    for path in outcome.written:
        print(f"  草稿 {path}")
    for line in outcome.failed:
        _err(line)
    print(f"已生成 {len(outcome.written)} 封回复草稿（未发送），用邮件客户端打开后核对并发送。")
    return 2 if outcome.failed else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m jixiao.processor.collect collect …`` / ``… reply …`` (the same commands as
    ``jixiao``; ``jixiao`` itself adds the guarded terminal of ``processor/cli/terminal.py``)."""
    parser = argparse.ArgumentParser(prog="jixiao")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)

"""The ``jixiao`` command: a thin shell over the engine.

Each sub-command lives in its own module with ``register(subparsers)``, which adds
its arguments and sets ``func``; heavy imports happen inside ``func`` only, so
``jixiao check`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from jixiao.processor import __version__

# modules under jixiao.processor that provide register(subparsers)
COMMANDS = ("cli.check", "cli.fill", "cli.merge", "cli.template", "cli.addin", "collect.cli", "cli.archive")


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese headings, help option and usage errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str):  # usage errors: one Chinese line, exit 2
        self.print_usage(sys.stderr)
        print(f"jixiao：参数有误：{_chinese(message)}", file=sys.stderr)
        raise SystemExit(2)


# argparse's own error messages, in Chinese
_MESSAGES = (
    (r"the following arguments are required: (.*)", r"缺少必填参数：\1"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"参数 \1 的取值 \2 无效（可选：\3）"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"参数 \1 的取值 \3 不是有效的数"),
    (r"argument (\S+): expected one argument", r"参数 \1 后面需要一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"unrecognized arguments: (.*)", r"不认识的参数：\1"),
    (r"ambiguous option: (.*)", r"选项不明确：\1"),
)


def _chinese(message: str) -> str:
    import re

    for pattern, replacement in _MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jixiao", description="项目支出绩效自评表：校验、计算、汇总")
    parser.add_argument("--version", action="version", version=f"jixiao {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"jixiao.processor.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("jixiao.processor."):
                continue  # a command not present in this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from jixiao.processor.cli import terminal

    _utf8_stdio()
    try:
        with terminal.guarded():  # submitted text never reaches the terminal as control codes
            parser = build_parser()
            args = parser.parse_args(argv)
            if not getattr(args, "func", None):
                parser.print_help()
                return 2
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `jixiao check … | head`: the reader has what it wanted
        terminal.silence_stdout()
        return 141


def _utf8_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # never die on a console that lacks CJK
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":
    raise SystemExit(main())

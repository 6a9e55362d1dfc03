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
from jixiao.processor.cli.parser import ChineseParser

# modules under jixiao.processor that provide register(subparsers)
COMMANDS = ("cli.check", "cli.fill", "cli.merge", "cli.template", "cli.addin", "collect.cli", "cli.archive")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="jixiao", description="项目支出绩效自评表：校验、计算、汇总")
    parser.add_argument("--version", action="version", version=f"jixiao {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
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

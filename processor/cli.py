"""The ``jixiao`` command: a thin shell over the engine.

Each sub-command lives in its own module with ``register(subparsers)``, which adds
its arguments and sets ``func``; heavy imports happen inside ``func`` only, so
``jixiao check`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# module names under processor/ that provide register(subparsers)
COMMANDS = ("cmd_check", "cmd_fill", "cmd_merge", "cmd_template", "cmd_addin", "collect.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: one Chinese line, exit 2
        self.print_usage(sys.stderr)
        print(f"jixiao：参数有误：{message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jixiao", description="项目支出绩效自评表：校验、计算、汇总")
    parser.add_argument("--version", action="version", version=f"jixiao {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"processor.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("processor."):
                continue  # a command not present in this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    _utf8_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130


def _utf8_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # never die on a console that lacks CJK
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":
    raise SystemExit(main())

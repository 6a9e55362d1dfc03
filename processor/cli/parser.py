"""argparse in Chinese: headings, the help option and usage errors (one line, exit 2).

Shared by the ``jixiao`` command and the add-in's dry run (``python -m jixiao``).
"""

from __future__ import annotations

import argparse
import re
import sys


class ChineseFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese headings, help option and usage errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseFormatter)
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
    for pattern, replacement in _MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, replacement, message)
    return message

"""What the sub-commands share: the rule profile named by ``--rules``."""

from __future__ import annotations

import argparse
import sys


def profile_from_args(args: argparse.Namespace):
    """The profile named by ``--rules`` (default: default); None after printing why not."""
    from jixiao.processor.core.errors import InputError
    from jixiao.processor.core.rules import load_profile

    try:
        return load_profile(getattr(args, "rules", None))
    except InputError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return None

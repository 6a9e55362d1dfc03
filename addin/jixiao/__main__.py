"""``python -m jixiao 文件``: one click of 校验/计算 without Excel (see jixiao.dry_run)."""

import sys

from jixiao.dry_run import main

sys.exit(main())

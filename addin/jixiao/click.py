"""What a click runs before :func:`jixiao.main`, and the check of the add-in's xlwings.

The add-in's VBA starts ``python -B -c "import jixiao.click;jixiao.click.prepare_sys_path(…);
import jixiao;jixiao.main('<xlwings version of the add-in>')" --wb=… --from_xl=1 …``
(xlwings' own add-in starts with ``import xlwings.utils``, which imports pandas and numpy
when they are installed: a second or more on every click). :func:`prepare_sys_path`
imports xlwings without them, then lets xlwings set up ``sys.path`` as usual.
"""

from __future__ import annotations

from jixiao import import_xlwings


def prepare_sys_path(args: str) -> None:
    """xlwings' ``prepare_sys_path``, with xlwings imported without pandas/numpy."""
    import_xlwings()
    import xlwings.utils

    xlwings.utils.prepare_sys_path(args)


def version_message(built_with: str, installed: str) -> str | None:
    """Chinese message when the add-in's VBA and the Python's xlwings differ, else None."""
    if not built_with or built_with == installed:
        return None
    return (f"加载项是用 xlwings {built_with} 生成的，而它启动的 Python 中现在是 xlwings {installed}，"
            "两者必须一致，否则按钮可能出错。请先关闭 Excel，在装有 jixiao 的环境中运行：\n"
            "jixiao addin build\njixiao addin install\n"
            "（用离线安装包安装的，重新运行安装包里的 安装.bat 即可。）")

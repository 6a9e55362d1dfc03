"""Install, inspect and remove ``jixiao.xlam`` in Excel's startup folder (XLSTART).

Excel opens every workbook and add-in in the user's XLSTART folder when it starts, so
installing is a copy and removing is a delete: no Excel has to run, which also works on
PCs where starting Excel from Python is blocked. The folder is

* Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART``;
* macOS: ``~/Library/Group Containers/UBF8T346G9.Office/User Content[.localized]/
  Startup[.localized]/Excel``;

or the one given by ``--xlstart`` / ``JIXIAO_XLSTART`` (another Excel setup, and tests).
On macOS installing also runs ``xlwings runpython install`` (the AppleScript that lets
sandboxed Excel start Python).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from jixiao.build import (
    ADDIN_FILE,
    check_addin_file,
    interpreter_warnings,
    read_addin_vba,
    read_config_sheet,
    recorded_xlwings,
)
from jixiao.processor.files.fileio import os_reason

XLSTART_ENV = "JIXIAO_XLSTART"
MAC_GROUP = Path("Library/Group Containers/UBF8T346G9.Office")


def xlstart_dir(explicit: str | os.PathLike[str] | None = None, *, platform: str | None = None,
                environ: Mapping[str, str] | None = None, home: Path | None = None) -> Path | None:
    """Excel's user startup folder, or None where there is no desktop Excel (Linux)."""
    environ = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if environ.get(XLSTART_ENV):
        return Path(environ[XLSTART_ENV])
    platform = platform or sys.platform
    home = home or Path.home()
    if platform.startswith("win"):
        appdata = environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        candidates = [home / MAC_GROUP / content / startup / "Excel"
                      for content in ("User Content.localized", "User Content")
                      for startup in ("Startup.localized", "Startup")]
        return next((c for c in candidates if c.is_dir()), candidates[0])
    return None


def _no_excel(platform: str, built: Path | None = None) -> int:
    where = f"已生成的加载项文件在：{built}\n" if built else ""
    print(f"加载项需要 Windows 或 macOS 上的桌面版 Excel，本机（{platform}）没有 Excel。{where}"
          "请在装有 Excel 的电脑上安装 jixiao（离线安装包），在那里运行 jixiao addin build 和 "
          "jixiao addin install。（要装到指定的启动文件夹，用 --xlstart 目录。）", file=sys.stderr)
    return 1


def install_addin(path: Path, *, xlstart: str | None = None, platform: str | None = None) -> int:
    """Copy the built add-in into XLSTART (0 done, 1 no Excel or refused, 2 no such file)."""
    platform = platform or sys.platform
    path = Path(path).resolve()
    if not path.is_file():
        print(f"找不到加载项文件 {path}。请先运行：jixiao addin build", file=sys.stderr)
        return 2
    why = check_addin_file(path)
    if why:  # Excel would open it at every start and complain
        print(f"{path} 不是 jixiao 加载项：{why}。请用 jixiao addin build 生成的 jixiao.xlam。", file=sys.stderr)
        return 2
    folder = xlstart_dir(xlstart, platform=platform)
    if folder is None:
        return _no_excel(platform, path)
    target = folder / ADDIN_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{ADDIN_FILE}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    except (FileExistsError, NotADirectoryError):
        print(f"Excel 启动文件夹 {folder} 不是文件夹（是同名的文件或失效的链接），无法安装。"
              "请检查该位置，或用 --xlstart 指定启动文件夹。", file=sys.stderr)
        return 1
    except PermissionError:
        print(f"无法写入 {target}：没有写入权限，或 Excel 正在使用旧的加载项。请关闭所有 Excel 窗口后重试。",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"无法把加载项复制到 {folder}：{os_reason(exc)}", file=sys.stderr)
        return 1
    print(f"已安装加载项：{target}\n重新打开 Excel 后，功能区上会出现“绩效自评”选项卡。")
    if platform == "darwin" and xlstart is None:
        return _mac_runpython_install()
    return 0


def _mac_runpython_install() -> int:
    cmd = [sys.executable, "-c", "from xlwings.cli import main; main()", "runpython", "install"]
    try:
        code = subprocess.run(cmd, check=False).returncode
    except OSError as exc:
        code = 1
        print(f"运行 xlwings runpython install 失败：{exc}", file=sys.stderr)
    if code:
        print("请在终端中手动运行：xlwings runpython install", file=sys.stderr)
    return code


def remove_addin(*, xlstart: str | None = None, platform: str | None = None) -> int:
    """Delete XLSTART's jixiao.xlam (0 removed or not there, 1 refused or no Excel)."""
    platform = platform or sys.platform
    folder = xlstart_dir(xlstart, platform=platform)
    if folder is None:
        return _no_excel(platform)
    target = folder / ADDIN_FILE
    if not target.exists():
        print(f"加载项未安装（{target} 不存在），无需卸载。")
        return 0
    if not target.is_file():
        print(f"{target} 不是加载项文件（是文件夹或其他），没有删除，请手动检查。", file=sys.stderr)
        return 1
    try:
        target.unlink()
    except PermissionError:
        print(f"无法删除 {target}：Excel 正在使用它。请关闭所有 Excel 窗口后重试，"
              "或在关闭 Excel 后手动删除该文件。", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"无法删除 {target}（{os_reason(exc)}）。", file=sys.stderr)
        return 1
    print(f"已卸载加载项：删除了 {target}。重新打开 Excel 后“绩效自评”选项卡不再出现。")
    return 0


def addin_status(*, xlstart: str | None = None, platform: str | None = None) -> int:
    """Print what is installed, which interpreter it runs and which xlwings (0 fine, 1 not)."""
    from jixiao.build import xlwings_version

    platform = platform or sys.platform
    folder = xlstart_dir(xlstart, platform=platform)
    if folder is None:
        return _no_excel(platform)
    target = folder / ADDIN_FILE
    problems: list[str] = []
    print(f"Excel 启动文件夹：{folder}")
    if not target.is_file():
        print(f"加载项：未安装（应在 {target}）。安装：jixiao addin build，然后 jixiao addin install")
        return 1
    print(f"加载项：{target}")
    why = check_addin_file(target)
    if why:
        print(f"  无法读取该加载项（{why}）。请重新生成并安装。")
        return 1
    project = read_addin_vba(target)
    config = read_config_sheet(target)
    built_with = recorded_xlwings(project)
    print(f"  VBA 工程：{project.name}；生成它的 xlwings：{built_with or '（未知）'}")
    if project.name != "jixiao":
        problems.append("这是旧版加载项（仍使用 xlwings 模板的名字），请重新生成并安装。")
    key = "Interpreter_Mac" if platform == "darwin" else "Interpreter_Win"
    interpreter = config.get(key, "")
    exists = bool(interpreter) and Path(interpreter).is_file()
    print(f"  记录的 Python：{interpreter or '（空：将使用 PATH 上的 python）'}"
          + ("" if exists or not interpreter else "（文件不存在！）"))
    if config.get("Conda Path"):
        print(f"  conda：{config['Conda Path']}，环境 {config.get('Conda Env', '')}")
    if interpreter:
        problems += interpreter_warnings(interpreter)
    else:
        problems.append("加载项没有记录 Python 的路径（可能是在其他电脑或其他系统上生成后拷来的），点击时将使用"
                        " PATH 上的 python：请在本机装有 jixiao 的环境中重新 build 和 install。")
    if interpreter and not exists:
        problems.append("记录的 Python 不存在：请在装有 jixiao 的环境中重新 build 和 install。")
    installed = _xlwings_of(interpreter) if exists else None
    if installed:
        print(f"  该 Python 中的 xlwings：{installed}")
        if built_with and installed != built_with:
            problems.append(f"加载项是用 xlwings {built_with} 生成的，该 Python 中现在是 {installed}："
                            "请运行 jixiao addin build 和 jixiao addin install（先关闭 Excel）。")
    same = exists and os.path.normcase(os.path.abspath(interpreter)) == \
        os.path.normcase(os.path.abspath(sys.executable))
    if not same:
        print(f"  当前命令使用的 Python：{sys.executable}（xlwings {xlwings_version()}）")
    for problem in problems:
        print(f"  ！{problem}")
    if not problems:
        print("  状态正常。")
    return 1 if problems else 0


def _xlwings_of(interpreter: str) -> str | None:
    if os.path.normcase(os.path.abspath(interpreter)) == os.path.normcase(os.path.abspath(sys.executable)):
        from jixiao.build import xlwings_version

        return xlwings_version()
    try:
        done = subprocess.run([interpreter, "-c", "import xlwings; print(xlwings.__version__)"],
                              capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else "（未安装 xlwings）"

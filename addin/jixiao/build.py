"""Build and install ``jixiao.xlam`` from the installed xlwings' own ribbon add-in.

We write no VBA: ``quickstart_addin_ribbon.xlam`` (what ``xlwings quickstart NAME
--addin --ribbon`` copies) already holds xlwings' VBA and a ``RunMain`` callback that
runs ``import <file name>; <file name>.main()``. Saving it as ``jixiao.xlam`` therefore
calls :func:`jixiao.main`. The build only rewrites text parts of the package:

* ``customUI/customUI.xml``: tab 绩效自评, button 校验/计算, built-in icon, Chinese tips;
* the config sheet: enabled (``_myaddin.conf`` → ``myaddin.conf``, the name xlwings'
  VBA looks for) and filled with the interpreter that ran the build.

The zip is written deterministically (fixed member order and timestamps), so the same
xlwings version and interpreter give byte-identical files.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape, unescape

ADDIN_NAME = "jixiao"
ADDIN_FILE = f"{ADDIN_NAME}.xlam"
SOURCE_FILE = "quickstart_addin_ribbon.xlam"
# The VBA constant PROJECT_NAME of xlwings' custom add-in template is "myaddin": its
# GetConfig reads the sheet "myaddin.conf"; the template ships it disabled with "_".
CONFIG_SHEET_DISABLED = "_myaddin.conf"
CONFIG_SHEET = "myaddin.conf"
ADD_WORKBOOK_KEY = "ADD_WORKBOOK_TO_PYTHONPATH"
RIBBON_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
# the ribbon callback that lives in the template's VBA module "RibbonMyAddin"
RIBBON_CALLBACK = "RibbonMyAddin.RunMain"

TAB_LABEL = "绩效自评"
GROUP_LABEL = "自评表"
BUTTON_LABEL = "校验/计算"
BUTTON_IMAGE = "CalculateNow"  # built-in Office icon (Formulas ▸ Calculate Now)
SCREENTIP = "校验并计算当前自评表"
SUPERTIP = (
    "计算执行率、各项得分和总分并填入表中，把有问题的单元格标上颜色和批注，"
    "并生成“校验结果”工作表。"
)

RIBBON_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
  <ribbon>
    <tabs>
      <tab id="jixiaoTab" label="{TAB_LABEL}">
        <group id="jixiaoGroup" label="{GROUP_LABEL}">
          <button id="jixiaoCheck" label="{BUTTON_LABEL}" size="large" imageMso="{BUTTON_IMAGE}" screentip="{SCREENTIP}" supertip="{SUPERTIP}" onAction="{RIBBON_CALLBACK}" />
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""

# 1980-01-01 is the earliest timestamp a zip can store: fixed, so builds are reproducible
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIRST_MEMBERS = ("[Content_Types].xml", "_rels/.rels")


class AddinBuildError(Exception):
    """The add-in could not be built; ``str(err)`` is one Chinese line for the user."""


def source_addin() -> Path:
    """The installed xlwings' ribbon add-in template."""
    try:
        import xlwings
    except ImportError as exc:  # pragma: no cover - xlwings is a test dependency
        raise AddinBuildError(
            "没有安装 xlwings，无法生成加载项。请先运行：pip install \"jixiao[addin]\""
        ) from exc
    path = Path(xlwings.__file__).with_name(SOURCE_FILE)
    if not path.is_file():
        raise AddinBuildError(
            f"在 xlwings {xlwings.__version__} 中找不到 {SOURCE_FILE}，请重新安装 xlwings。"
        )
    return path


def config_values(interpreter: str | None = None, platform: str | None = None,
                  prefix: str | None = None) -> dict[str, str]:
    """Config-sheet entries for the interpreter that builds the add-in.

    Always sets ``ADD_WORKBOOK_TO_PYTHONPATH`` to False. Windows fills ``Interpreter_Win`` (plus ``Conda Path``/``Conda Env`` inside a conda
    environment, so xlwings activates it and its DLLs load); macOS fills
    ``Interpreter_Mac``. On other systems nothing is filled: Excel does not run there.
    """
    interpreter = interpreter or sys.executable
    platform = platform or sys.platform
    prefix = prefix or sys.prefix
    # jixiao is installed in site-packages: keeping the workbook's folder off sys.path
    # avoids xlwings' OneDrive/SharePoint path lookup and stray .py files shadowing ours
    values: dict[str, str] = {ADD_WORKBOOK_KEY: "False"}
    if platform.startswith("win"):
        values["Interpreter_Win"] = interpreter
        conda = _conda_env(prefix)
        if conda:
            values["Conda Path"], values["Conda Env"] = conda
    elif platform == "darwin":
        values["Interpreter_Mac"] = interpreter
    return values


def _conda_env(prefix: str) -> tuple[str, str] | None:
    """(conda root, env name) when ``prefix`` is a conda environment, else None."""
    env = Path(prefix)
    if not (env / "conda-meta").is_dir():
        return None
    if env.parent.name == "envs":
        return str(env.parent.parent), env.name
    return str(env), "base"


def ribbon_xml() -> str:
    return RIBBON_XML


def build_addin(out_dir: Path, *, interpreter: str | None = None,
                platform: str | None = None, source: Path | None = None) -> Path:
    """Write ``jixiao.xlam`` into ``out_dir`` and return its path.

    ``interpreter`` and ``platform`` default to the running Python (``sys.executable``,
    ``sys.platform``); tests pass them to check the config sheet of another system.
    Raises :class:`AddinBuildError` when xlwings' template is missing or unexpected.
    """
    src = source or source_addin()
    values = config_values(interpreter, platform)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE

    with zipfile.ZipFile(src) as zin:
        parts = {info.filename: zin.read(info.filename) for info in zin.infolist()}
    for required in (RIBBON_PART, WORKBOOK_PART, "xl/vbaProject.bin"):
        if required not in parts:
            raise AddinBuildError(f"xlwings 的加载项模板缺少 {required}，无法生成 {ADDIN_FILE}。")

    parts[RIBBON_PART] = ribbon_xml().encode("utf-8")
    sheet_part = _config_sheet_part(parts)
    parts[WORKBOOK_PART] = _enable_config_sheet(parts[WORKBOOK_PART].decode("utf-8")).encode("utf-8")
    parts[sheet_part] = _fill_config_sheet(
        parts[sheet_part].decode("utf-8"), _shared_strings(parts), values
    ).encode("utf-8")

    tmp = target.with_suffix(".xlam.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name in _member_order(parts):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0  # same header on every OS
            zout.writestr(info, parts[name])
    tmp.replace(target)
    return target


def _member_order(parts: Mapping[str, bytes]) -> list[str]:
    first = [name for name in _FIRST_MEMBERS if name in parts]
    return first + sorted(name for name in parts if name not in first)


def _enable_config_sheet(workbook_xml: str) -> str:
    old = f'name="{CONFIG_SHEET_DISABLED}"'
    if old in workbook_xml:
        return workbook_xml.replace(old, f'name="{CONFIG_SHEET}"', 1)
    if f'name="{CONFIG_SHEET}"' in workbook_xml:
        return workbook_xml
    raise AddinBuildError(f"xlwings 的加载项模板里没有配置工作表 {CONFIG_SHEET_DISABLED}。")


def _config_sheet_part(parts: Mapping[str, bytes]) -> str:
    """Path of the config sheet's part, resolved through workbook.xml and its rels."""
    workbook = parts[WORKBOOK_PART].decode("utf-8")
    match = re.search(
        rf'<sheet [^>]*name="_?{re.escape(CONFIG_SHEET)}"[^>]*r:id="([^"]+)"', workbook
    )
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8")
    if match:
        target = re.search(rf'Id="{re.escape(match.group(1))}"[^>]*Target="([^"]+)"', rels) or \
            re.search(rf'Target="([^"]+)"[^>]*Id="{re.escape(match.group(1))}"', rels)
        if target:
            return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    raise AddinBuildError(f"xlwings 的加载项模板里找不到配置工作表 {CONFIG_SHEET_DISABLED}。")


def _shared_strings(parts: Mapping[str, bytes]) -> list[str]:
    raw = parts.get("xl/sharedStrings.xml", b"").decode("utf-8")
    return [unescape(re.sub(r"<[^>]+>", "", si)) for si in re.findall(r"<si>(.*?)</si>", raw, re.S)]


_CELL_RE = re.compile(
    r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S
)


def _fill_config_sheet(sheet_xml: str, strings: list[str], values: Mapping[str, str]) -> str:
    """Rewrite the config sheet's <sheetData>: keys in column A, values in column B.

    The template's keys and their order are kept; a value we set replaces column B
    (as an inline string, so sharedStrings.xml stays untouched).
    """
    data = re.search(r"<sheetData>(.*?)</sheetData>|<sheetData/>", sheet_xml, re.S)
    if data is None:
        raise AddinBuildError("xlwings 的加载项模板的配置工作表格式无法识别。")
    keys: dict[int, str] = {}
    cells: dict[tuple[int, str], str] = {}
    for col, row, attrs, inner in _CELL_RE.findall(data.group(1) or ""):
        cells[(int(row), col)] = f'<c r="{col}{row}"{attrs}' + (f">{inner}</c>" if inner else "/>")
        if col == "A" and 't="s"' in attrs and inner:
            idx = re.search(r"<v>(\d+)</v>", inner)
            if idx:
                keys[int(row)] = strings[int(idx.group(1))]
    if not keys:
        raise AddinBuildError("xlwings 的加载项模板的配置工作表里没有设置项。")
    by_key = {key.casefold(): row for row, key in keys.items()}
    # xlwings reads the keys from A1 down to the first blank: new keys go right below
    for key in values:
        if key.casefold() not in by_key:
            row = max(by_key.values()) + 1
            if (row, "A") in cells:
                raise AddinBuildError(f"无法在配置工作表中加入设置项 {key}。")
            cells[(row, "A")] = f'<c r="A{row}" s="1" t="inlineStr"><is><t>{escape(key)}</t></is></c>'
            by_key[key.casefold()] = row
    for key, value in values.items():
        row = by_key[key.casefold()]
        cells[(row, "B")] = f'<c r="B{row}" s="1" t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    rows: dict[int, list[str]] = {}
    for (row, _col), xml in sorted(cells.items(), key=lambda item: (item[0][0], len(item[0][1]), item[0][1])):
        rows.setdefault(row, []).append(xml)
    body = "".join(
        f'<row r="{row}">{"".join(xmls)}</row>' for row, xmls in sorted(rows.items())
    )
    out = sheet_xml[: data.start()] + f"<sheetData>{body}</sheetData>" + sheet_xml[data.end():]
    last = max(rows, default=1)
    return re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{last}" />', out, count=1)


def read_config_sheet(xlam: Path) -> dict[str, str]:
    """Key → value of the built add-in's config sheet (as xlwings' VBA reads it)."""
    with zipfile.ZipFile(xlam) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    sheet = parts[_config_sheet_part(parts)].decode("utf-8")
    strings = _shared_strings(parts)
    table: dict[int, dict[str, str]] = {}
    for col, row, attrs, inner in _CELL_RE.findall(sheet):
        text = ""
        if 't="s"' in attrs:
            text = strings[int(re.search(r"<v>(\d+)</v>", inner).group(1))]
        elif 't="inlineStr"' in attrs:
            text = unescape(re.sub(r"<[^>]+>", "", inner))
        elif inner:
            match = re.search(r"<v>(.*?)</v>", inner)
            text = match.group(1) if match else ""
        table.setdefault(int(row), {})[col] = text
    return {cells["A"]: cells.get("B", "") for _, cells in sorted(table.items()) if cells.get("A")}


def install_addin(path: Path, *, platform: str | None = None) -> int:
    """Install the built add-in into Excel with ``xlwings addin install --file``.

    Returns the exit code. On systems without desktop Excel (Linux), prints in Chinese
    that Excel is needed and where the built file is, and returns 1.
    """
    platform = platform or sys.platform
    path = Path(path).resolve()
    if not path.is_file():
        print(f"找不到加载项文件 {path}。请先运行：jixiao addin build", file=sys.stderr)
        return 2
    if not (platform.startswith("win") or platform == "darwin"):
        print(
            "安装加载项需要 Windows 或 macOS 上的桌面版 Excel，本机（"
            f"{platform}）没有 Excel。已生成的加载项文件在：{path}\n"
            "请把它复制到装有 Excel 的电脑上，在那里安装 jixiao 后运行：jixiao addin install",
            file=sys.stderr,
        )
        return 1
    cmd = [sys.executable, "-c", "from xlwings.cli import main; main()",
           "addin", "install", "--file", str(path)]
    try:
        return subprocess.run(cmd, check=False).returncode
    except OSError as exc:
        print(f"运行 xlwings 安装加载项失败：{exc}", file=sys.stderr)
        return 1

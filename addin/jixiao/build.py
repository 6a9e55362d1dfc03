"""Build ``jixiao.xlam``: xlwings' ribbon add-in template made into an add-in of our own.

``quickstart_addin_ribbon.xlam`` (what ``xlwings quickstart NAME --addin --ribbon``
copies) holds xlwings' VBA and a config sheet. The build changes, part by part:

* ``xl/vbaProject.bin``: the VBA project is named ``jixiao``; xlwings' module reads the
  config sheet ``jixiao.conf`` and the user file ``%USERPROFILE%\\.jixiao\\jixiao.conf``;
  the ribbon module ``JixiaoRibbon`` replaces the template's ``RibbonMyAddin``, checks
  what VBA can see and speaks Chinese; an unused MSForms reference goes (see
  :mod:`jixiao.addin_vba`, :mod:`jixiao.vba_project`);
* ``customUI/customUI.xml``: tab 绩效自评, button 校验/计算, built-in icon, Chinese tips;
* the config sheet ``jixiao.conf``: enabled and filled with the interpreter that runs
  the build (plus conda's root and environment inside a conda environment);
* ``docProps``: title, author and a description naming jixiao's and xlwings' versions;
  ``xl/workbook.xml`` loses the template author's absolute path.

The zip is written deterministically (fixed member order and timestamps), so the same
xlwings version and interpreter give byte-identical files.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape, unescape

from jixiao import addin_vba
from jixiao.addin_vba import PROJECT_NAME, RIBBON_MODULE
from jixiao.processor.files.fileio import os_reason
from jixiao.vba_project import VbaFormatError, VbaProject

ADDIN_NAME = "jixiao"
ADDIN_FILE = f"{ADDIN_NAME}.xlam"
SOURCE_FILE = "quickstart_addin_ribbon.xlam"
# xlwings' GetConfig reads the sheet PROJECT_NAME & ".conf"; the template's project is
# "myaddin" and ships the sheet disabled ("_myaddin.conf"); ours is enabled as jixiao.conf
TEMPLATE_CONFIG_SHEETS = ("_myaddin.conf", "myaddin.conf")
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
ADD_WORKBOOK_KEY = "ADD_WORKBOOK_TO_PYTHONPATH"
RIBBON_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
VBA_PART = "xl/vbaProject.bin"
CORE_PART = "docProps/core.xml"
RIBBON_CALLBACK = f"{RIBBON_MODULE}.RunMain"
# a reference the template carries for no form of its own (its path names the author's PC)
UNUSED_REFERENCE = "MSForms"

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
            "没有安装 xlwings，无法生成加载项。请在装有 jixiao 的环境中安装 xlwings"
            "（离线安装包已含有它；从源代码目录安装时运行 python -m pip install -e \".[addin]\"）。"
        ) from exc
    path = Path(xlwings.__file__).with_name(SOURCE_FILE)
    if not path.is_file():
        raise AddinBuildError(
            f"在 xlwings {xlwings.__version__} 中找不到 {SOURCE_FILE}，请重新安装 xlwings。"
        )
    return path


def xlwings_version() -> str:
    import xlwings

    return xlwings.__version__


def config_values(interpreter: str | None = None, platform: str | None = None,
                  prefix: str | None = None, environ: Mapping[str, str] | None = None,
                  ) -> dict[str, str]:
    """Config-sheet entries for the interpreter that builds the add-in.

    Always sets ``ADD_WORKBOOK_TO_PYTHONPATH`` to False. Windows fills ``Interpreter_Win``
    (plus ``Conda Path``/``Conda Env`` inside a conda environment, so xlwings activates it
    and its DLLs load); macOS fills ``Interpreter_Mac``. On other systems nothing is
    filled: Excel does not run there.
    """
    interpreter = sys.executable if interpreter is None else interpreter
    platform = platform or sys.platform
    prefix = prefix or sys.prefix
    # jixiao is installed in site-packages: keeping the workbook's folder off sys.path
    # avoids xlwings' OneDrive/SharePoint path lookup and stray .py files shadowing ours
    values: dict[str, str] = {ADD_WORKBOOK_KEY: "False"}
    if platform.startswith("win"):
        values["Interpreter_Win"] = interpreter
        conda = conda_env(prefix, os.environ if environ is None else environ)
        if conda:
            values["Conda Path"], values["Conda Env"] = conda
    elif platform == "darwin":
        values["Interpreter_Mac"] = interpreter
    return values


def conda_env(prefix: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(conda root, environment) for xlwings' ``conda activate``, or None outside conda.

    The environment is its name when it lives in ``<root>\\envs``, its full path otherwise
    (``conda create -p``, or ``envs_dirs`` elsewhere such as ``%USERPROFILE%\\.conda\\envs``):
    ``conda activate`` takes both. The root is where ``condabin`` is: the prefix itself
    (base), ``<root>\\envs\\..``, ``CONDA_EXE``'s or ``CONDA_PYTHON_EXE``'s installation, or
    the conda that created the environment (``conda-meta/history``).
    """
    env = Path(prefix)
    if not (env / "conda-meta").is_dir():
        return None
    if (env / "condabin").is_dir():
        return str(env), "base"
    root = _conda_root(env, environ)
    if root is None:
        return None
    if env.parent == root / "envs":
        return str(root), env.name
    name = str(env)
    return str(root), f'"{name}"' if " " in name else name


def _conda_root(env: Path, environ: Mapping[str, str]) -> Path | None:
    candidates = [env.parent.parent] if env.parent.name == "envs" else []
    for var in ("CONDA_EXE", "CONDA_PYTHON_EXE"):
        if environ.get(var):  # <root>\Scripts\conda.exe, <root>\python.exe, <root>/bin/conda
            exe = Path(environ[var])
            candidates += [exe.parent.parent, exe.parent]
    history = env / "conda-meta" / "history"
    if history.is_file():
        for line in history.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"#\s*cmd:\s*(.+?)[\\/](?:Scripts|bin|condabin)[\\/]conda", line)
            if match:
                candidates.append(Path(match.group(1).strip('"')))
    for root in candidates:
        if (root / "condabin").is_dir() and root != env:
            return root
    return None


def interpreter_warnings(interpreter: str) -> list[str]:
    """Chinese warnings about the interpreter a build records (empty: nothing to say)."""
    if not interpreter:
        return ["无法确定当前 Python 的路径（sys.executable 为空，例如嵌入式 Python）。"
                "加载项将改用 PATH 上的 python，很可能不是装有 jixiao 的那个；"
                "请在普通的 Python 或虚拟环境中运行 jixiao addin build。"]
    lowered = interpreter.replace("/", "\\").lower()
    if "\\windowsapps\\" in lowered or "pythonsoftwarefoundation.python" in lowered:
        return ["当前 Python 来自 Microsoft Store（路径含 WindowsApps），Excel 常常无法启动它。"
                "请改用 python.org 的安装程序装的 Python 或离线安装包建立的环境，再重新生成加载项。"]
    return []


def ribbon_xml() -> str:
    return RIBBON_XML


def build_addin(out_dir: Path, *, interpreter: str | None = None,
                platform: str | None = None, source: Path | None = None,
                prefix: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Write ``jixiao.xlam`` into ``out_dir`` and return its path.

    ``interpreter``, ``platform``, ``prefix`` and ``environ`` default to the running
    Python's; tests pass them to check the config sheet of another system. Raises
    :class:`AddinBuildError` when xlwings' template is missing or unexpected.
    """
    src = source or source_addin()
    values = config_values(interpreter, platform, prefix, environ)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise AddinBuildError(f"输出位置 {out_dir} 不是文件夹（同名的文件已存在），请用 -o 指定一个文件夹。") from None
    except OSError as exc:
        raise AddinBuildError(f"无法建立输出文件夹 {out_dir}（{os_reason(exc)}）。") from None
    target = out_dir / ADDIN_FILE

    with zipfile.ZipFile(src) as zin:
        parts = {info.filename: zin.read(info.filename) for info in zin.infolist()}
    for required in (RIBBON_PART, WORKBOOK_PART, VBA_PART):
        if required not in parts:
            raise AddinBuildError(f"xlwings 的加载项模板缺少 {required}，无法生成 {ADDIN_FILE}。")

    parts[VBA_PART] = _vba_project(parts[VBA_PART])
    parts[RIBBON_PART] = ribbon_xml().encode("utf-8")
    sheet_part = _config_sheet_part(parts)
    workbook = _enable_config_sheet(parts[WORKBOOK_PART].decode("utf-8"))
    # the template author's folder, recorded by Excel when he saved it: not ours to ship
    workbook = re.sub(r"<mc:AlternateContent[^>]*>.*?x15ac:absPath.*?</mc:AlternateContent>",
                      "", workbook, flags=re.S)
    parts[WORKBOOK_PART] = workbook.encode("utf-8")
    parts[sheet_part] = _fill_config_sheet(
        parts[sheet_part].decode("utf-8"), _shared_strings(parts), values
    ).encode("utf-8")
    parts[CORE_PART] = core_properties(xlwings_version(), values).encode("utf-8")

    tmp = target.with_suffix(".xlam.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
            for name in _member_order(parts):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.create_system = 0  # same header on every OS
                zout.writestr(info, parts[name])
        tmp.replace(target)
    except PermissionError:
        tmp.unlink(missing_ok=True)
        raise AddinBuildError(f"无法写入 {target}：没有写入权限，或该文件正在 Excel 中打开（请关闭 Excel）。") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise AddinBuildError(f"无法写入 {target}（{os_reason(exc)}）。") from None
    return target


def check_addin_file(path: Path) -> str | None:
    """Why ``path`` is not an add-in jixiao can install or inspect (None: it is one)."""
    try:
        with zipfile.ZipFile(path) as zin:
            names = set(zin.namelist())
        if VBA_PART not in names or WORKBOOK_PART not in names:
            return "文件里没有 VBA 工程，不是加载项"
        read_addin_vba(path)
        read_config_sheet(path)
    except zipfile.BadZipFile:
        return "不是 Excel 加载项（.xlam）文件，或文件已损坏"
    except (OSError, KeyError, ValueError, IndexError, AttributeError, VbaFormatError, AddinBuildError) as exc:
        return f"无法读取（{exc}）"
    return None


def _vba_project(data: bytes) -> bytes:
    """xlwings' VBA project renamed to jixiao, with our ribbon module (see addin_vba)."""
    try:
        project = VbaProject(data)
        project.set_name(PROJECT_NAME)
        project.set_source(addin_vba.XLWINGS_MODULE,
                           addin_vba.edit_xlwings_module(project.source(addin_vba.XLWINGS_MODULE)))
        project.rename_module(addin_vba.TEMPLATE_RIBBON_MODULE, RIBBON_MODULE)
        project.set_source(RIBBON_MODULE, addin_vba.ribbon_module())
        if UNUSED_REFERENCE in project.references():
            project.drop_reference(UNUSED_REFERENCE)
        return project.to_bytes()
    except (VbaFormatError, addin_vba.TemplateMismatch) as exc:
        raise AddinBuildError(
            f"xlwings {xlwings_version()} 的加载项模板与 jixiao 预期的不同（{exc}），无法生成 "
            f"{ADDIN_FILE}。请安装离线安装包或 pyproject.toml 中写明的 xlwings 版本。"
        ) from exc


def core_properties(xlwings: str, values: Mapping[str, str]) -> str:
    """docProps/core.xml: the add-in names itself and what built it (no dates: reproducible)."""
    from jixiao.processor import __version__ as jixiao_version

    interpreter = values.get("Interpreter_Win") or values.get("Interpreter_Mac") or ""
    description = (f"由 jixiao {jixiao_version} 用 xlwings {xlwings} 生成；"
                   f"Python：{interpreter or '（未记录）'}")
    fields = {
        "dc:title": "绩效自评加载项（jixiao）",
        "dc:subject": "项目支出绩效自评表：校验/计算",
        "dc:creator": ADDIN_NAME,
        "cp:keywords": f"jixiao {jixiao_version}; xlwings {xlwings}",
        "dc:description": description,
        "cp:lastModifiedBy": ADDIN_NAME,
    }
    body = "".join(f"<{tag}>{escape(text)}</{tag}>" for tag, text in fields.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"{body}</cp:coreProperties>")


def _member_order(parts: Mapping[str, bytes]) -> list[str]:
    first = [name for name in _FIRST_MEMBERS if name in parts]
    return first + sorted(name for name in parts if name not in first)


def _enable_config_sheet(workbook_xml: str) -> str:
    for old in (*TEMPLATE_CONFIG_SHEETS, CONFIG_SHEET):
        if f'name="{old}"' in workbook_xml:
            return workbook_xml.replace(f'name="{old}"', f'name="{CONFIG_SHEET}"', 1)
    raise AddinBuildError(f"xlwings 的加载项模板里没有配置工作表 {TEMPLATE_CONFIG_SHEETS[0]}。")


def _config_sheet_part(parts: Mapping[str, bytes]) -> str:
    """Path of the config sheet's part, resolved through workbook.xml and its rels."""
    workbook = parts[WORKBOOK_PART].decode("utf-8")
    names = "|".join(re.escape(n) for n in (*TEMPLATE_CONFIG_SHEETS, CONFIG_SHEET))
    match = re.search(rf'<sheet [^>]*name="(?:{names})"[^>]*r:id="([^"]+)"', workbook)
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8")
    if match:
        target = re.search(rf'Id="{re.escape(match.group(1))}"[^>]*Target="([^"]+)"', rels) or \
            re.search(rf'Target="([^"]+)"[^>]*Id="{re.escape(match.group(1))}"', rels)
        if target:
            return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    raise AddinBuildError(f"xlwings 的加载项模板里找不到配置工作表 {TEMPLATE_CONFIG_SHEETS[0]}。")


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


def read_addin_vba(xlam: Path) -> VbaProject:
    """The VBA project inside a built (or installed) add-in."""
    with zipfile.ZipFile(xlam) as zin:
        return VbaProject(zin.read(VBA_PART))


def recorded_xlwings(project: VbaProject) -> str | None:
    """The xlwings version whose VBA the add-in carries (its constant XLWINGS_VERSION)."""
    match = re.search(r'XLWINGS_VERSION As String = "([^"]*)"', project.source(addin_vba.XLWINGS_MODULE))
    return match.group(1) if match else None

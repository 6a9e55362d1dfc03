"""The built jixiao.xlam: zip structure, ribbon XML, config sheet and xlwings' VBA."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jixiao import build

CUSTOMUI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
WIN_PYTHON = r"C:\Users\张三\AppData\Local\Programs\Python\Python311\python.exe"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    pytest.importorskip("xlwings", reason="需要 xlwings 才能生成加载项")
    return build.build_addin(tmp_path_factory.mktemp("addin"), interpreter=WIN_PYTHON, platform="win32")


def test_zip_structure(xlam: Path) -> None:
    assert xlam.name == "jixiao.xlam"
    with zipfile.ZipFile(xlam) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        infos = zf.infolist()
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert names[2:] == sorted(names[2:])
    for required in ("xl/workbook.xml", "xl/vbaProject.bin", "customUI/customUI.xml",
                     "xl/worksheets/sheet1.xml"):
        assert required in names
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    with zipfile.ZipFile(xlam) as zf:
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("_rels/.rels").decode()
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert 'Target="customUI/customUI.xml"' in rels


def test_build_is_deterministic(xlam: Path, tmp_path: Path) -> None:
    again = build.build_addin(tmp_path, interpreter=WIN_PYTHON, platform="win32")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(xlam.read_bytes()).digest()


def test_ribbon_xml(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as zf:
        root = ET.fromstring(zf.read("customUI/customUI.xml"))
    assert root.tag == f"{CUSTOMUI_NS}customUI"
    tab = root.find(f"{CUSTOMUI_NS}ribbon/{CUSTOMUI_NS}tabs/{CUSTOMUI_NS}tab")
    assert tab is not None and tab.get("label") == "绩效自评"
    buttons = list(tab.iter(f"{CUSTOMUI_NS}button"))
    assert len(buttons) == 1
    button = buttons[0]
    assert button.get("label") == "校验/计算"
    assert button.get("onAction") == build.RIBBON_CALLBACK == "RibbonMyAddin.RunMain"
    assert button.get("imageMso") == build.BUTTON_IMAGE
    assert button.get("screentip") and "自评表" in button.get("screentip")
    assert "校验结果" in button.get("supertip")
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


def test_config_sheet_enabled_and_filled(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    assert 'name="myaddin.conf"' in workbook and "_myaddin.conf" not in workbook
    config = build.read_config_sheet(xlam)
    assert config["Interpreter_Win"] == WIN_PYTHON
    assert config["Interpreter_Mac"] == ""
    keys = list(config)
    assert keys[:2] == ["Interpreter_Win", "Interpreter_Mac"]  # template order kept
    assert {"PYTHONPATH", "Conda Path", "Conda Env"} <= set(keys)
    assert config["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    assert keys[-1] == "ADD_WORKBOOK_TO_PYTHONPATH"


def test_config_keys_contiguous_from_a1(xlam: Path) -> None:
    """xlwings' GetConfigFromSheet reads column A from A1 down to the first blank."""
    import re

    with zipfile.ZipFile(xlam) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    key_rows = sorted(int(r) for r, attrs in re.findall(r'<c r="A(\d+)"([^>]*t="(?:s|inlineStr)")', sheet))
    assert key_rows == list(range(1, len(build.read_config_sheet(xlam)) + 1))


def test_config_for_macos_and_conda(tmp_path: Path) -> None:
    pytest.importorskip("xlwings")
    mac = build.build_addin(tmp_path / "mac", interpreter="/Users/a b/.venv/bin/python",
                            platform="darwin")
    assert build.read_config_sheet(mac)["Interpreter_Mac"] == "/Users/a b/.venv/bin/python"
    env = tmp_path / "miniconda3" / "envs" / "jx"
    (env / "conda-meta").mkdir(parents=True)
    values = build.config_values("python.exe", "win32", prefix=str(env))
    assert values["Conda Path"] == str(tmp_path / "miniconda3")
    assert values["Conda Env"] == "jx"
    assert build.config_values("python", "linux") == {"ADD_WORKBOOK_TO_PYTHONPATH": "False"}


def test_config_escapes_xml(tmp_path: Path) -> None:
    pytest.importorskip("xlwings")
    odd = r"C:\R&D <x>\python.exe"
    built = build.build_addin(tmp_path, interpreter=odd, platform="win32")
    with zipfile.ZipFile(built) as zf:
        ET.fromstring(zf.read("xl/worksheets/sheet1.xml"))  # still well-formed
    assert build.read_config_sheet(built)["Interpreter_Win"] == odd


def test_vba_runmain_imports_module_named_after_file(xlam: Path) -> None:
    olevba = pytest.importorskip("oletools.olevba", reason="需要 oletools 读取 VBA")
    parser = olevba.VBA_Parser(str(xlam))
    try:
        assert parser.detect_vba_macros()
        modules = {stream: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    ribbon = next(code for stream, code in modules.items() if stream.endswith("RibbonMyAddin"))
    assert "Sub RunMain(control As IRibbonControl)" in ribbon
    assert "ThisWorkbook.Name" in ribbon  # module name = the add-in's file name
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in ribbon
    xlwings_bas = next(code for stream, code in modules.items() if stream.endswith("/xlwings"))
    import xlwings

    assert f"'Version: {xlwings.__version__}" in xlwings_bas  # matches the installed xlwings
    assert 'PROJECT_NAME As String = "myaddin"' in xlwings_bas  # reads sheet myaddin.conf


def test_install_on_linux_explains(xlam: Path, capsys) -> None:
    assert build.install_addin(xlam, platform="linux") == 1
    err = capsys.readouterr().err
    assert "Excel" in err and str(xlam.resolve()) in err


def test_install_missing_file(tmp_path: Path, capsys) -> None:
    assert build.install_addin(tmp_path / "jixiao.xlam", platform="win32") == 2
    assert "jixiao addin build" in capsys.readouterr().err


def test_install_wraps_xlwings_cli(xlam: Path, monkeypatch) -> None:
    calls = []

    class Done:
        returncode = 0

    monkeypatch.setattr(build.subprocess, "run", lambda cmd, check: calls.append(cmd) or Done())
    assert build.install_addin(xlam, platform="darwin") == 0
    (cmd,) = calls
    assert cmd[0] == sys.executable
    assert cmd[-4:] == ["addin", "install", "--file", str(xlam.resolve())]

"""The built jixiao.xlam: zip structure, ribbon XML, config sheet and xlwings' VBA."""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jixiao import addin_vba, build

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
    assert button.get("onAction") == build.RIBBON_CALLBACK == "JixiaoRibbon.RunMain"
    assert button.get("imageMso") == build.BUTTON_IMAGE
    assert button.get("screentip") and "自评表" in button.get("screentip")
    assert "校验结果" in button.get("supertip")
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


def test_config_sheet_enabled_and_filled(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    assert 'name="jixiao.conf"' in workbook and "myaddin" not in workbook
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


def test_config_for_macos(tmp_path: Path) -> None:
    pytest.importorskip("xlwings")
    mac = build.build_addin(tmp_path / "mac", interpreter="/Users/a b/.venv/bin/python",
                            platform="darwin")
    assert build.read_config_sheet(mac)["Interpreter_Mac"] == "/Users/a b/.venv/bin/python"
    assert build.config_values("python", "linux") == {"ADD_WORKBOOK_TO_PYTHONPATH": "False"}


def _conda_root(path: Path) -> Path:
    (path / "condabin").mkdir(parents=True)
    (path / "conda-meta").mkdir()
    return path


def _conda_env(path: Path, created_by: Path | None = None) -> Path:
    (path / "conda-meta").mkdir(parents=True)
    if created_by:
        (path / "conda-meta" / "history").write_text(
            f"==> 2024-05-01 10:00:00 <==\n# cmd: {created_by}/Scripts/conda-script.py create -p {path}\n",
            encoding="utf-8")
    return path


def test_conda_named_env_under_root(tmp_path: Path) -> None:
    root = _conda_root(tmp_path / "miniconda3")
    env = _conda_env(root / "envs" / "jx")
    values = build.config_values("python.exe", "win32", prefix=str(env), environ={})
    assert (values["Conda Path"], values["Conda Env"]) == (str(root), "jx")


def test_conda_base(tmp_path: Path) -> None:
    root = _conda_root(tmp_path / "miniconda3")
    values = build.config_values("python.exe", "win32", prefix=str(root), environ={})
    assert (values["Conda Path"], values["Conda Env"]) == (str(root), "base")


def test_conda_env_outside_root_gets_its_path(tmp_path: Path) -> None:
    """`conda create -p D:\\envs\\jx`, or envs_dirs in %USERPROFILE%\\.conda\\envs: the parent of
    envs is not conda's root; xlwings must run `<root>\\condabin\\conda activate <full path>`."""
    root = _conda_root(tmp_path / "ProgramData" / "Anaconda3")
    user_env = _conda_env(tmp_path / "home" / ".conda" / "envs" / "jx")
    exe = {"CONDA_EXE": str(root / "Scripts" / "conda.exe")}
    values = build.config_values("python.exe", "win32", prefix=str(user_env), environ=exe)
    assert (values["Conda Path"], values["Conda Env"]) == (str(root), str(user_env))
    # found through the environment's history when conda is not activated
    p_env = _conda_env(tmp_path / "项目 环境" / "jx", created_by=root)
    values = build.config_values("python.exe", "win32", prefix=str(p_env), environ={})
    assert values["Conda Path"] == str(root)
    assert values["Conda Env"] == f'"{p_env}"'  # quoted: cmd.exe splits at the space
    # no conda to be found: only the interpreter is recorded (no wrong root)
    lost = _conda_env(tmp_path / "lost" / "jx")
    assert "Conda Path" not in build.config_values("python.exe", "win32", prefix=str(lost), environ={})


def test_interpreter_warnings() -> None:
    store = r"C:\Users\张三\AppData\Local\Microsoft\WindowsApps\PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0\python.exe"
    assert "Microsoft Store" in build.interpreter_warnings(store)[0]
    assert "sys.executable 为空" in build.interpreter_warnings("")[0]
    assert build.interpreter_warnings(WIN_PYTHON) == []


def test_config_escapes_xml(tmp_path: Path) -> None:
    pytest.importorskip("xlwings")
    odd = r"C:\R&D <x>\python.exe"
    built = build.build_addin(tmp_path, interpreter=odd, platform="win32")
    with zipfile.ZipFile(built) as zf:
        ET.fromstring(zf.read("xl/worksheets/sheet1.xml"))  # still well-formed
    assert build.read_config_sheet(built)["Interpreter_Win"] == odd


def _modules(xlam: Path) -> dict[str, str]:
    olevba = pytest.importorskip("oletools.olevba", reason="需要 oletools 读取 VBA")
    parser = olevba.VBA_Parser(str(xlam))
    try:
        assert parser.detect_vba_macros()
        return {stream.rsplit("/", 1)[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_vba_is_ours(xlam: Path) -> None:
    """Read by oletools (an independent MS-OVBA reader): our names, xlwings' code."""
    modules = _modules(xlam)
    assert set(modules) == {"ThisWorkbook", "Dictionary", "JixiaoRibbon", "Sheet2", "xlwings"}
    ribbon = modules["JixiaoRibbon"]
    assert "Sub RunMain(control As IRibbonControl)" in ribbon
    assert "RunPython \"import jixiao;jixiao.main('\" & XLWINGS_VERSION & \"')\"" in ribbon
    xlwings_bas = modules["xlwings"]
    import xlwings

    assert f"'Version: {xlwings.__version__}" in xlwings_bas  # matches the installed xlwings
    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in xlwings_bas
    assert 'PROJECT_NAME As String = "jixiao"' in xlwings_bas  # jixiao.conf, %USERPROFILE%\\.jixiao
    assert '-B -c ""import jixiao.click;jixiao.click.prepare_sys_path(' in xlwings_bas
    assert "Content = JixiaoExplain(Content)" in xlwings_bas
    for _old, new in addin_vba.XLWINGS_EDITS:
        assert new.replace("\n", "\r\n") in xlwings_bas.replace("\r\n", "\n").replace("\n", "\r\n")
    assert ribbon.isascii()  # Chinese as code points: the same on any ANSI code page


def test_no_generic_names_anywhere(xlam: Path) -> None:
    """No myaddin/MyAddin/Felix in any part, the VBA source, the dir stream or PROJECT."""
    from jixiao.vba_project import decompress

    with zipfile.ZipFile(xlam) as zf:
        texts = [zf.read(n).decode("utf-8") for n in zf.namelist() if n != "xl/vbaProject.bin"]
    project = build.read_addin_vba(xlam)
    texts += [project.project_text(), project.streams["PROJECTwm"].decode("utf-16-le", "replace"),
              decompress(project.streams["VBA/dir"]).decode("latin-1")]
    texts += [project.source(m.name) for m in project.modules()]
    for text in texts:
        assert not re.search(r"(?i)myaddin|felix|zumstein", text), text[:200]
    assert project.name == "jixiao"
    assert "Name=\"jixiao\"" in project.project_text()
    assert project.references() == ["Office"]  # MSForms (unused, author's path) dropped
    with zipfile.ZipFile(xlam) as zf:
        core = zf.read("docProps/core.xml").decode("utf-8")
    assert "<dc:creator>jixiao</dc:creator>" in core and "绩效自评" in core
    assert f"xlwings {build.xlwings_version()}" in core


def test_chinese_messages_in_vba_decode(xlam: Path) -> None:
    """Each message in the ribbon module decodes to the catalogue's Chinese text."""
    ribbon = build.read_addin_vba(xlam).source(addin_vba.RIBBON_MODULE)
    assert addin_vba.decode_vba_text(ribbon).count(addin_vba.TITLE) >= 1
    for key, text in addin_vba.MESSAGES.items():
        assert addin_vba.vba_text(text) in ribbon.replace("\r\n", "\n"), key
        assert addin_vba.decode_vba_text(addin_vba.vba_text(text)) == text
    # the errors VBA can catch each have their branch
    for needle in ("ActiveProtectedViewWindow", "ActiveWorkbook Is Nothing", "ERR_ACCESS_DENIED",
                   "ERR_VIRUS", "FileExists(interpreter)", "condabin\\conda.bat"):
        assert needle in ribbon, needle
    assert max(len(line) for line in ribbon.splitlines()) < 1023  # VBA's line limit


def test_template_mismatch_is_a_chinese_error(tmp_path: Path) -> None:
    with pytest.raises(addin_vba.TemplateMismatch):
        addin_vba.edit_xlwings_module("Public Const PROJECT_NAME As String = \"other\"")


def test_libreoffice_reads_the_vba_project(xlam: Path, tmp_path: Path) -> None:
    """A second independent reader: LibreOffice imports the project as Basic library jixiao."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if not soffice:
        pytest.skip("需要 LibreOffice（soffice）")
    # LibreOffice opens a macro workbook, not an add-in: same parts, workbook content type
    src = tmp_path / "addin.xlsm"
    with zipfile.ZipFile(xlam) as zin, zipfile.ZipFile(src, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"ms-excel.addin.macroEnabled", b"ms-excel.sheet.macroEnabled")
            zout.writestr(name, data)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(src)],
                   capture_output=True, timeout=180, check=False)
    ods = tmp_path / "addin.ods"
    if not ods.exists():
        pytest.skip("LibreOffice 未能转换该文件")
    with zipfile.ZipFile(ods) as zf:
        names = zf.namelist()
        ribbon = zf.read("Basic/jixiao/JixiaoRibbon.xml").decode("utf-8")
    assert "Basic/jixiao/xlwings.xml" in names
    assert "Sub RunMain(control As IRibbonControl)" in ribbon


def test_install_status_remove_on_a_fake_xlstart(xlam: Path, tmp_path: Path, capsys) -> None:
    from jixiao import install

    xlstart = tmp_path / "XLSTART"
    assert install.addin_status(xlstart=str(xlstart), platform="win32") == 1
    assert "未安装" in capsys.readouterr().out
    assert install.install_addin(xlam, xlstart=str(xlstart), platform="win32") == 0
    assert (xlstart / "jixiao.xlam").read_bytes() == xlam.read_bytes()
    assert install.addin_status(xlstart=str(xlstart), platform="win32") == 1  # C:\\… missing here
    out = capsys.readouterr().out
    assert "VBA 工程：jixiao" in out and f"生成它的 xlwings：{build.xlwings_version()}" in out
    assert WIN_PYTHON in out and "不存在" in out
    assert install.remove_addin(xlstart=str(xlstart), platform="win32") == 0
    assert not (xlstart / "jixiao.xlam").exists()
    assert install.remove_addin(xlstart=str(xlstart), platform="win32") == 0
    assert "无需卸载" in capsys.readouterr().out


def test_status_of_a_healthy_install(tmp_path: Path, capsys) -> None:
    from jixiao import install

    built = build.build_addin(tmp_path / "b", interpreter=sys.executable, platform="win32")
    xlstart = tmp_path / "XLSTART"
    assert install.install_addin(built, xlstart=str(xlstart), platform="win32") == 0
    assert install.addin_status(xlstart=str(xlstart), platform="win32") == 0, capsys.readouterr()
    assert "状态正常" in capsys.readouterr().out


def test_status_flags_an_old_generic_addin(tmp_path: Path, capsys) -> None:
    """An add-in built by jixiao 0.1 (xlwings' template names) is reported as such."""
    from jixiao import install

    xlstart = tmp_path / "XLSTART"
    xlstart.mkdir()
    import shutil

    shutil.copyfile(build.source_addin(), xlstart / "jixiao.xlam")
    assert install.addin_status(xlstart=str(xlstart), platform="win32") == 1
    assert "旧版加载项" in capsys.readouterr().out


def test_xlstart_locations(tmp_path: Path) -> None:
    from jixiao import install

    assert install.xlstart_dir(platform="win32", environ={"APPDATA": r"C:\Users\张三\AppData\Roaming"}) \
        == Path(r"C:\Users\张三\AppData\Roaming") / "Microsoft" / "Excel" / "XLSTART"
    assert install.xlstart_dir(platform="linux", environ={}) is None
    assert install.xlstart_dir(platform="linux", environ={"JIXIAO_XLSTART": str(tmp_path)}) == tmp_path
    mac = install.xlstart_dir(platform="darwin", environ={}, home=tmp_path)
    assert mac.parts[-4:] == ("User Content.localized", "Startup.localized", "Excel") or \
        mac.name == "Excel"


def test_install_on_linux_explains(xlam: Path, capsys) -> None:
    from jixiao import install

    assert install.install_addin(xlam, platform="linux") == 1
    err = capsys.readouterr().err
    assert "Excel" in err and str(xlam.resolve()) in err


def test_install_missing_file(tmp_path: Path, capsys) -> None:
    from jixiao import install

    assert install.install_addin(tmp_path / "jixiao.xlam", platform="win32") == 2
    assert "jixiao addin build" in capsys.readouterr().err


def test_version_check_message() -> None:
    from jixiao.click import version_message

    assert version_message("0.37.8", "0.37.8") is None
    message = version_message("0.30.0", "0.37.8")
    assert "0.30.0" in message and "0.37.8" in message and "jixiao addin build" in message

"""The offline bundle's installers as users meet them: several Pythons, a re-run over a broken
environment, a folder that is not an environment, a bundle that cannot install; the bundle's
completeness check against each wheel's Requires-Python; 安装.bat read for cmd's pitfalls.

install.sh runs for real here, offline, on a stub bundle: its only wheel is a tiny ``jixiao``
(no dependencies) whose ``jixiao addin build`` writes a file, so the script's own logic is what
is tested, in seconds and without PyPI (tests/test_bundle.py runs the real bundle when PyPI is
reachable).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_bundle_rt", ROOT / "scripts" / "build_bundle.py")
bb = importlib.util.module_from_spec(_spec)
sys.modules["build_bundle_rt"] = bb
_spec.loader.exec_module(bb)

HOST_PY, HOST_OS = bb.host_python()
STUB = '''import pathlib, sys
def main():
    args = sys.argv[1:]
    if args[:2] == ["addin", "build"]:
        out = pathlib.Path(args[args.index("-o") + 1])
        (out / "jixiao.xlam").write_text("stub", encoding="utf-8")
        print("已生成加载项（测试替身）")
    return 0
'''


def _wheel(folder: Path, name: str, version: str, *, requires: list[str] = (), requires_python: str = "",
           files: dict[str, str] | None = None, entry_points: str = "", tag: str = "py3-none-any") -> Path:
    """A minimal valid wheel (METADATA, WHEEL, RECORD with hashes)."""
    dist = f"{name}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nProvides-Extra: addin\n"
    meta += f"Requires-Python: {requires_python}\n" if requires_python else ""
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = dict(files or {})
    members[f"{dist}/METADATA"] = meta
    members[f"{dist}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n"
    if entry_points:
        members[f"{dist}/entry_points.txt"] = entry_points
    record = []
    for path, text in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    members[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for member, text in members.items():
            zf.writestr(member, text)
    return path


def _stub_bundle(tmp_path: Path, *, with_jixiao: bool = True) -> Path:
    out = tmp_path / "离线 安装包"
    (out / "wheels").mkdir(parents=True)
    if with_jixiao:
        _wheel(out / "wheels", "jixiao", "9.9.9", files={"jixiao_stub.py": STUB},
               entry_points="[console_scripts]\njixiao = jixiao_stub:main\n")
    bb.write_scripts(out, "9.9.9")
    return out


def _env(tmp_path: Path, path: str | None = None, **extra: str) -> dict[str, str]:
    nowhere = "http://127.0.0.1:9/"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=nowhere, PIP_NO_CACHE_DIR="1",
               http_proxy=nowhere, https_proxy=nowhere, HOME=str(tmp_path / "home"))
    if path is not None:
        env["PATH"] = path
    env.update(extra)
    return env


def _fake_python(folder: Path, name: str, version: str) -> None:
    """A `python` that answers every question with a version and does nothing else."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\necho {version}\nexit 0\n", encoding="utf-8")
    script.chmod(0o755)


def _real_python(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    os.symlink(sys.executable, folder / f"python{HOST_PY}")


def _install(bundle: Path, env_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    if shutil.which("sh") is None:
        pytest.skip("需要 sh")
    return subprocess.run(["sh", str(bundle / "install.sh"), str(env_dir)], env=env, capture_output=True,
                          text=True, timeout=600)


def _sys_path(tmp_path: Path, *folders: Path) -> str:
    """Our fake/real pythons first, then the system's tools (sh, uname, ls, dirname)."""
    return os.pathsep.join([str(f) for f in folders] + ["/usr/bin", "/bin"])


# ---------------------------------------------------------------------- install.sh


def test_install_sh_takes_the_python_the_bundle_was_made_for(tmp_path):
    """A PC with a newer Python first on PATH: the bundle's compiled wheels fit only HOST_PY."""
    bundle = _stub_bundle(tmp_path)
    bin_ = tmp_path / "bin"
    _fake_python(bin_, "python3.13", "3.13" if HOST_PY != "3.13" else "3.12")
    _fake_python(bin_, "python3", "3.13" if HOST_PY != "3.13" else "3.12")
    _real_python(bin_)
    env_dir = tmp_path / "环境 (测试) & 甲"
    done = _install(bundle, env_dir, _env(tmp_path, _sys_path(tmp_path, bin_)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "安装完成" in done.stdout and f"python{HOST_PY}" in done.stdout
    version = subprocess.run([str(env_dir / "bin" / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version == HOST_PY
    assert (env_dir / "jixiao.xlam").is_file()


def test_install_sh_without_that_python_says_which_one_is_needed(tmp_path):
    bundle = _stub_bundle(tmp_path)
    bin_ = tmp_path / "bin"
    _fake_python(bin_, "python3", "3.9")
    env_dir = tmp_path / "env"
    done = _install(bundle, env_dir, _env(tmp_path, _sys_path(tmp_path, bin_).replace(":/usr/bin:/bin", "")
                                          + ":" + _tools(tmp_path)))
    assert done.returncode == 1
    assert f"没有找到 Python {HOST_PY}" in done.stderr, done.stdout + done.stderr
    assert not env_dir.exists()


def _tools(tmp_path: Path) -> str:
    """A folder with sh's helpers but no python at all."""
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for name in ("dirname", "uname", "ls", "sh"):
        target = shutil.which(name)
        if target and not (tools / name).exists():
            os.symlink(target, tools / name)
    return str(tools)


def test_install_sh_remakes_an_environment_left_broken(tmp_path):
    """Interrupted while the environment was made (no pip in it): the re-run repairs it."""
    bundle = _stub_bundle(tmp_path)
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    done = _install(bundle, env_dir, _env(tmp_path, PYTHON=sys.executable))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "重新建立" in done.stdout
    assert subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "--version"], capture_output=True).returncode == 0
    again = _install(bundle, env_dir, _env(tmp_path, PYTHON=sys.executable))  # a sound one is kept
    assert again.returncode == 0 and "已有专用环境，直接更新" in again.stdout, again.stdout + again.stderr


def test_install_sh_never_writes_into_a_folder_that_is_not_an_environment(tmp_path):
    bundle = _stub_bundle(tmp_path)
    home = tmp_path / "我的文档"
    home.mkdir()
    (home / "重要.xlsx").write_bytes(b"keep me")
    done = _install(bundle, home, _env(tmp_path, PYTHON=sys.executable))
    assert done.returncode == 1 and "不是 Python 环境" in done.stderr, done.stdout + done.stderr
    assert sorted(p.name for p in home.iterdir()) == ["重要.xlsx"]


def test_install_sh_explains_a_failure_in_chinese(tmp_path):
    bundle = _stub_bundle(tmp_path, with_jixiao=False)
    done = _install(bundle, tmp_path / "env", _env(tmp_path, PYTHON=sys.executable))
    assert done.returncode == 1
    assert "安装没有完成：从 wheels 文件夹安装失败" in done.stderr, done.stdout + done.stderr


# ---------------------------------------------------------------------- the completeness check


def test_closure_respects_requires_python(tmp_path):
    """A pure-Python wheel fits every Python 3 by its tags; only Requires-Python says it does not."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "app", "1.0", requires=["helper>=1"])
    newest = _wheel(wheels, "helper", "2.0", requires_python=">=3.11")
    py310, py312 = bb.windows_target("3.10"), bb.windows_target("3.12")
    roots = [bb.Requirement("app")]
    assert bb.check_wheels(wheels, [py310], roots) == {py310.name: ["helper>=1"]}
    older = _wheel(wheels, "helper", "1.5", requires_python=">=3.8")
    chosen = {t.name: bb.closure(t, bb.wheels_in(wheels), roots)[0]["helper"].path for t in (py310, py312)}
    assert chosen == {py310.name: older, py312.name: newest}


# ---------------------------------------------------------------------- 安装.bat, read line by line

PATH_VARS = re.compile(r"%(JX_ENV|JX_HERE|JX_CMD|JX_PYTHON|JX_BASE)[^%]*%")


def _bat_lines() -> list[str]:
    return (ROOT / "scripts" / "bundle" / "install.bat").read_text(encoding="utf-8").splitlines()


def test_bat_expands_paths_only_inside_quotes():
    """A path with & ( ) or spaces (C:\\Users\\R&D\\…) outside quotes breaks the line it is on."""
    bad = []
    for number, line in enumerate(_bat_lines(), start=1):
        code = line.strip()
        if code.lower().startswith("rem") or code.startswith("::"):
            continue
        for match in PATH_VARS.finditer(line):
            if line[:match.start()].count('"') % 2 == 0:
                bad.append(f"{number}: {line}")
    assert not bad, "\n".join(bad)


def test_bat_normalises_the_target_folder_and_reports_failure():
    text = "\n".join(_bat_lines())
    # a relative or trailing-backslash argument ("D:\env\" ends in \" for Python's argv)
    assert 'set "JX_ENV=%%~fI"' in text and 'if "%JX_ENV:~-1%"=="\\" set "JX_ENV=%JX_ENV:~0,-1%"' in text
    assert "exit /b %JX_RC%" in text and 'set "JX_RC=0"' in text  # 1 unless it got to the end
    assert "if not defined JIXIAO_NO_PAUSE pause" in text  # unattended deployment
    assert "EnableDelayedExpansion" not in text  # a ! in a path would be eaten


def test_bat_checks_an_existing_environment_before_using_it():
    lines = [line.strip() for line in _bat_lines()]
    # the old script went straight on when python.exe existed, however broken the environment
    assert not any(re.fullmatch(r'if exist "%JX_ENV%\\Scripts\\python\.exe" goto \w+', line) for line in lines)
    check = lines.index(":checkenv")
    block = lines[check:lines.index(":goodenv")]
    assert any("-m pip --version" in line and "%JX_PROBE%" in line for line in block)
    assert any("-m venv --clear" in line for line in block)
    assert 'if exist "%JX_ENV%\\pyvenv.cfg" goto checkenv' in lines  # --clear only on an environment
    assert ":notenv" in lines


# ---------------------------------------------------------------------- jixiao addin with odd folders


def _jixiao(capsys, *args: str) -> tuple[int, str]:
    from jixiao.processor.cli.main import main

    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module")
def built_addin(tmp_path_factory) -> Path:
    pytest.importorskip("xlwings")
    from jixiao.build import build_addin

    return build_addin(tmp_path_factory.mktemp("built"))


def test_addin_build_into_a_file_is_refused_in_chinese(tmp_path, capsys):
    pytest.importorskip("xlwings")
    (tmp_path / "文件").write_text("x", encoding="utf-8")
    for out in (tmp_path / "文件", tmp_path / "文件" / "子目录"):
        code, text = _jixiao(capsys, "addin", "build", "-o", str(out))
        assert code == 2 and "不是文件夹" in text, text
        assert "Error" not in text


def test_addin_install_takes_only_an_add_in(tmp_path, capsys):
    xlstart = tmp_path / "XLSTART"
    for name, data in (("空.xlam", b""), ("表.xlam", (ROOT / "templates" / "自评表.xlsx").read_bytes())):
        (tmp_path / name).write_bytes(data)
        code, text = _jixiao(capsys, "addin", "install", "--file", str(tmp_path / name), "--xlstart", str(xlstart))
        assert code == 2 and "不是 jixiao 加载项" in text, text
        assert not (xlstart / "jixiao.xlam").exists()  # Excel would complain at every start


def test_addin_install_into_a_file_or_a_dangling_link_is_said_in_chinese(built_addin, tmp_path, capsys):
    (tmp_path / "文件").write_text("x", encoding="utf-8")
    os.symlink(tmp_path / "不存在", tmp_path / "失效链接")
    for folder in (tmp_path / "文件", tmp_path / "失效链接"):
        code, text = _jixiao(capsys, "addin", "install", "--file", str(built_addin), "--xlstart", str(folder))
        assert code == 1 and "不是文件夹" in text and "File exists" not in text, text
    linked = tmp_path / "链接"
    (tmp_path / "真实").mkdir()
    os.symlink(tmp_path / "真实", linked)  # a startup folder redirected by a link still works
    assert _jixiao(capsys, "addin", "install", "--file", str(built_addin), "--xlstart", str(linked))[0] == 0
    assert (tmp_path / "真实" / "jixiao.xlam").read_bytes() == built_addin.read_bytes()


def test_addin_status_and_remove_on_a_damaged_install(tmp_path, capsys):
    xlstart = tmp_path / "XLSTART"
    xlstart.mkdir()
    (xlstart / "jixiao.xlam").write_bytes(b"PK\x03\x04 damaged")
    code, text = _jixiao(capsys, "addin", "status", "--xlstart", str(xlstart))
    assert code == 1 and "无法读取该加载项" in text and "Traceback" not in text, text
    (xlstart / "jixiao.xlam").unlink()
    (xlstart / "jixiao.xlam").mkdir()
    code, text = _jixiao(capsys, "addin", "remove", "--xlstart", str(xlstart))
    assert code == 1 and "不是加载项文件" in text, text


def test_addin_status_on_an_add_in_without_interpreter_says_why(built_addin, tmp_path, capsys):
    """An add-in that records no Python (built on Linux, copied over) is not blamed on sys.executable."""
    from jixiao.build import read_config_sheet

    assert not read_config_sheet(built_addin).get("Interpreter_Win") or sys.platform.startswith("win")
    if sys.platform.startswith("win"):
        pytest.skip("built on Windows: the add-in records this Python")
    xlstart = tmp_path / "XLSTART"
    assert _jixiao(capsys, "addin", "install", "--file", str(built_addin), "--xlstart", str(xlstart))[0] == 0
    code, text = _jixiao(capsys, "addin", "status", "--xlstart", str(xlstart))
    assert code == 1 and "加载项没有记录 Python" in text and "sys.executable" not in text, text


# ---------------------------------------------------------------------- python -m jixiao


def _dry_run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "jixiao", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_python_m_jixiao_usage_errors_are_chinese():
    done = _dry_run()
    assert done.returncode == 2 and "缺少必填参数" in done.stderr and "error:" not in done.stderr, done.stderr
    done = _dry_run("--bogus", "x.xlsx")
    assert done.returncode == 2 and "不认识的参数" in done.stderr, done.stderr


def test_python_m_jixiao_on_a_workbook_with_another_extension(tmp_path, monkeypatch):
    """The guard says what a file is by its bytes; openpyxl must not then refuse it by its name."""
    from tests.xlwings_remote import LICENSE_ENV, load_remote_xlwings

    monkeypatch.setenv(LICENSE_ENV, "noncommercial")
    module, reason = load_remote_xlwings()
    if module is None:
        pytest.skip(reason)
    src = tmp_path / "自评表.pdf"
    shutil.copyfile(ROOT / "examples" / "01_信访宣传项目经费.xlsx", src)
    done = _dry_run(str(src), env_extra={"XLWINGS_LICENSE_KEY": "noncommercial", "JIXIAO_LOG_DIR": str(tmp_path)})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "自评表_点击结果.xlsx").is_file()  # a workbook, named as one
    blocked = tmp_path / "目录.xlsx"
    blocked.mkdir()
    done = _dry_run(str(src), "-o", str(blocked), env_extra={"XLWINGS_LICENSE_KEY": "noncommercial"})
    assert done.returncode == 2 and "无法写入" in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_python_m_jixiao_on_a_protected_sheet_gives_the_buttons_answer(tmp_path):
    """The button refuses a protected sheet before writing (J520); the dry run must not write a copy as if it could."""
    import openpyxl

    src = tmp_path / "受保护.xlsx"
    wb = openpyxl.load_workbook(ROOT / "examples" / "01_信访宣传项目经费.xlsx")
    wb.active.protection.sheet = True
    wb.active.protection.password = "123"
    wb.save(src)
    done = _dry_run(str(src), env_extra={"XLWINGS_LICENSE_KEY": "noncommercial"})
    assert done.returncode == 0 and "受保护" in done.stdout and "撤销" in done.stdout, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["受保护.xlsx"]  # nothing written, as in Excel

"""The offline bundle: built from pyproject, installed with no index, complete for Windows.

Building needs PyPI (pip download); without it these tests skip with the reason. The
install runs the bundle's own install.sh in a fresh environment with every index and
proxy pointed at nothing, then runs the README's commands on the bundle's examples.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("build_bundle", ROOT / "scripts" / "build_bundle.py")
bb = importlib.util.module_from_spec(spec)
sys.modules["build_bundle"] = bb
spec.loader.exec_module(bb)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "jixiao-离线安装包"
    errors = []
    for windows in (True, False):  # the Windows wheels are the part most likely to be unreachable
        try:
            return bb.build_bundle(out, windows=windows)
        except (subprocess.CalledProcessError, SystemExit) as exc:
            errors.append(repr(exc))
            shutil.rmtree(out, ignore_errors=True)
    pytest.skip(f"无法生成离线安装包（需要访问 PyPI）：{errors}")


def _windows_targets(bundle: Path) -> list[str]:
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    return [t for t in manifest["targets"] if t.endswith("win_amd64")]


def test_bundle_takes_what_pyproject_declares(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    declared = [str(r) for r in bb.declared_requirements()]
    assert manifest["requirements"] == declared
    names = {w.name for w in bb.wheels_in(bundle / "wheels")}
    for req in bb.declared_requirements():
        if req.marker is None:
            assert bb.canonicalize_name(req.name) in names, req
    assert "jixiao" in names
    for item in ("安装.bat", "install.sh", "说明.txt", "examples", "templates/自评表.xlsx"):
        assert (bundle / item).exists(), item


def test_windows_wheels_complete_for_every_python(bundle: Path) -> None:
    if not _windows_targets(bundle):
        pytest.skip("生成安装包时无法下载 Windows 的 wheel（需要访问 PyPI）")
    targets = [bb.windows_target(v) for v in bb.WINDOWS_VERSIONS]
    roots = [bb.Requirement("jixiao[addin]")]
    assert bb.check_wheels(bundle / "wheels", targets, roots) == {t.name: [] for t in targets}
    for target in targets:
        chosen, _ = bb.closure(target, bb.wheels_in(bundle / "wheels"), roots)
        assert "pywin32" in chosen  # xlwings' Windows-only dependency, found through its marker
        for wheel in chosen.values():
            tags = {str(t) for t in wheel.tags}
            assert any(t.endswith("-none-any") or t.endswith("win_amd64") for t in tags), wheel.path.name
            assert wheel.tags & target.tags


def test_check_notices_a_missing_wheel(bundle: Path, tmp_path: Path) -> None:
    """The completeness check can fail: take one platform wheel away."""
    wheels = tmp_path / "wheels"
    shutil.copytree(bundle / "wheels", wheels)
    if _windows_targets(bundle):
        target = bb.windows_target("3.12")
        victim = next(wheels.glob("pywin32-*cp312*-win_amd64.whl"))
    else:
        target = bb.host_target()
        victim = next(wheels.glob("python_calamine-*.whl"))
    victim.unlink()
    missing = bb.check_wheels(wheels, [target], [bb.Requirement("jixiao[addin]")])[target.name]
    assert missing and victim.name.split("-")[0].replace("_", "-") in missing[0]


def test_windows_script_encoding(bundle: Path) -> None:
    raw = (bundle / "安装.bat").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # a BOM would break cmd's first line
    text = raw.decode("utf-8")
    lines = text.split("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF throughout: cmd's goto needs it
    switch = next(i for i, line in enumerate(lines) if line.startswith("chcp 65001"))
    assert all(line.isascii() for line in lines[:switch + 1])
    assert any(not line.isascii() for line in lines[switch + 1:])
    for needed in ("--no-index", "--find-links", "jixiao[addin]", "addin build", "addin install",
                   "-m venv", "pause"):
        assert needed in text, needed
    assert (bundle / "说明.txt").read_bytes().startswith(b"\xef\xbb\xbf")


def test_install_sh_with_no_index(bundle: Path, tmp_path: Path) -> None:
    """A fresh environment from the bundle alone, then the README's first commands."""
    if shutil.which("sh") is None:
        pytest.skip("需要 sh")
    env_dir = tmp_path / "环境"
    nowhere = "http://127.0.0.1:9/"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=nowhere, PIP_EXTRA_INDEX_URL=nowhere,
               http_proxy=nowhere, https_proxy=nowhere, HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere,
               PYTHON=sys.executable, HOME=str(tmp_path / "home"), PIP_NO_CACHE_DIR="1")
    done = subprocess.run(["sh", str(bundle / "install.sh"), str(env_dir)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "安装完成" in done.stdout and "[3/5]" in done.stdout
    assert (env_dir / "jixiao.xlam").is_file()  # the add-in was built with that environment
    jixiao = env_dir / "bin" / "jixiao"
    check = subprocess.run([str(jixiao), "check", "examples"], cwd=bundle, env=env,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 1, check.stderr  # the real examples do have errors
    assert "06_正确示例_某项目.xlsx" in check.stdout
    merge = subprocess.run([str(jixiao), "merge", "examples", "-o", str(tmp_path / "汇总.xlsx")],
                           cwd=bundle, env=env, capture_output=True, text=True, timeout=300)
    assert merge.returncode == 0, merge.stderr
    assert (tmp_path / "汇总.xlsx").is_file()
    # the environment holds the bundle's jixiao, not this source tree
    where = subprocess.run([str(env_dir / "bin" / "python"), "-c",
                            "import jixiao, sys; print(jixiao.__file__)"],
                           capture_output=True, text=True, env=env, check=True)
    assert str(env_dir) in where.stdout


def _python(version: str) -> str | None:
    """A working interpreter of ``version`` on this machine (PATH, or beside this one: pyenv)."""
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(p) for p in sorted(Path(sys.base_prefix).parent.glob(f"{version}*/bin/python{version}"))]
    for exe in filter(None, candidates):
        done = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == version:
            return exe
    return None


@pytest.mark.parametrize("version", bb.WINDOWS_VERSIONS)
def test_pip_resolves_each_windows_python_from_the_bundle_alone(bundle: Path, version: str, tmp_path: Path) -> None:
    """pip's own resolver, run by a real Python of that version, for win_amd64 with no index.

    Tags alone are not enough (a py3-none-any wheel may still need a newer Python): pip checks
    Requires-Python against the interpreter that runs it, so each version needs its own Python.
    """
    if not _windows_targets(bundle):
        pytest.skip("生成安装包时无法下载 Windows 的 wheel（需要访问 PyPI）")
    exe = _python(version)
    if exe is None:
        pytest.skip(f"本机没有 Python {version}，无法用 pip 核对该版本")
    nowhere = "http://127.0.0.1:9/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=nowhere, http_proxy=nowhere, https_proxy=nowhere)
    done = subprocess.run([exe, "-m", "pip", "install", "--dry-run", "--quiet", "--no-index", "--find-links",
                           str(bundle / "wheels"), "--platform", "win_amd64", "--python-version", version,
                           "--implementation", "cp", "--only-binary=:all:", "--target", str(tmp_path / "t"),
                           "jixiao[addin]"], capture_output=True, text=True, env=env, timeout=300)
    if "No module named pip" in done.stderr:
        pytest.skip(f"Python {version} 没有 pip")
    assert done.returncode == 0, done.stdout + done.stderr

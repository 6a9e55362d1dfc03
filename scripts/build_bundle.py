#!/usr/bin/env python3
"""Build jixiao's offline installation bundle (离线安装包) for PCs with no package index.

    python scripts/build_bundle.py -o dist/jixiao-离线安装包 [--zip]

Run it from the source folder on a machine that reaches PyPI. The bundle holds:

* ``wheels/``: jixiao's wheel and, as wheels only, every dependency pyproject.toml
  declares (``[project].dependencies`` plus the ``addin`` extra) with their own
  dependencies, for Windows x64 CPython 3.10–3.13 and for the building machine;
* ``安装.bat`` (Windows) and ``install.sh`` (macOS/Linux): make a dedicated environment,
  install from ``wheels/`` with ``--no-index``, build the add-in with that environment's
  Python and install it into Excel, saying each step in Chinese;
* ``examples/`` and ``templates/`` to try it (``jixiao check examples``), ``说明.txt``,
  and ``manifest.json`` (which wheels serve which target).

It is a script of the source tree, not a ``jixiao`` sub-command: it needs the source
(to build jixiao's wheel) and a package index, which the PCs it is for have neither of.

Dependencies are resolved here, not by pip: ``pip download --platform win_amd64`` picks
wheels by tag but evaluates environment markers for the machine it runs on, so a
Windows-only dependency (xlwings → pywin32) would be missed on Linux. Each target's
closure is walked through the wheels' METADATA with that target's markers, and
:func:`check_wheels` verifies it (a test runs it on every bundle).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pragma: no cover - pip always carries it
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.specifiers import SpecifierSet
    from pip._vendor.packaging.tags import Tag, compatible_tags, cpython_tags, sys_tags
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("addin",)
WINDOWS_VERSIONS = ("3.10", "3.11", "3.12", "3.13")
HERE = Path(__file__).resolve().parent / "bundle"


@dataclass
class Target:
    """One platform the bundle serves: its wheel tags and its environment markers."""

    name: str
    tags: frozenset[Tag]
    markers: dict[str, str]
    pip_args: list[str] = field(default_factory=list)


def windows_target(version: str) -> Target:
    major, minor = (int(x) for x in version.split("."))
    tags = list(cpython_tags((major, minor), platforms=["win_amd64"]))
    tags += list(compatible_tags((major, minor), f"cp{major}{minor}", platforms=["win_amd64"]))
    markers = {
        "os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
        "platform_machine": "AMD64", "platform_release": "10", "platform_version": "10.0",
        "python_version": version, "python_full_version": f"{version}.0",
        "implementation_name": "cpython", "implementation_version": f"{version}.0",
        "platform_python_implementation": "CPython",
    }
    args = ["--platform", "win_amd64", "--python-version", version, "--implementation", "cp"]
    return Target(f"cp{major}{minor}-win_amd64", frozenset(tags), markers, args)


def host_target() -> Target:
    env = {k: str(v) for k, v in default_environment().items()}
    tag = next(iter(sys_tags()))
    return Target(f"本机 {tag.interpreter}-{tag.platform}", frozenset(sys_tags()), env)


def declared_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """What jixiao declares: its dependencies plus the extras the bundle installs."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project.get("dependencies", [])]
    for extra in EXTRAS:
        reqs += [Requirement(r) for r in project.get("optional-dependencies", {}).get(extra, [])]
    return reqs


# ---------------------------------------------------------------- wheels on disk

@dataclass
class Wheel:
    path: Path
    name: str
    version: object
    tags: frozenset[Tag]
    _meta: object = field(default=None, repr=False)

    def _metadata(self):
        if self._meta is None:
            with zipfile.ZipFile(self.path) as zf:
                meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
                self._meta = Parser().parsestr(zf.read(meta).decode("utf-8"))
        return self._meta

    def requires(self) -> list[Requirement]:
        return [Requirement(r) for r in self._metadata().get_all("Requires-Dist") or []]

    def supports(self, python_full_version: str) -> bool:
        """Whether pip would install it on that Python (its ``Requires-Python``).

        A pure-Python wheel's tags (py3-none-any) fit every Python 3; only this field tells
        that, say, python-dateutil 4 needs 3.11, so a 3.10 target must get an older one.
        """
        spec = (self._metadata().get("Requires-Python") or "").strip()
        return not spec or SpecifierSet(spec).contains(python_full_version, prereleases=True)


def wheels_in(folder: Path) -> list[Wheel]:
    found = []
    for path in sorted(folder.glob("*.whl")):
        name, version, _build, tags = parse_wheel_filename(path.name)
        found.append(Wheel(path, canonicalize_name(name), version, frozenset(tags)))
    return found


def _applies(req: Requirement, markers: dict[str, str], extras: tuple[str, ...]) -> bool:
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**markers, "extra": e}) for e in ("", *extras))


def closure(target: Target, wheels: list[Wheel], roots: list[Requirement],
            ) -> tuple[dict[str, Wheel], list[str]]:
    """The wheels ``target`` installs for ``roots``, and what is missing (as requirement text)."""
    chosen: dict[str, Wheel] = {}
    missing: list[str] = []
    todo: list[tuple[Requirement, tuple[str, ...]]] = [(r, ()) for r in roots]
    specs: dict[str, list[Requirement]] = {}
    while todo:
        req, parent_extras = todo.pop()
        if not _applies(req, target.markers, parent_extras):
            continue
        name = canonicalize_name(req.name)
        specs.setdefault(name, []).append(req)
        fits = [w for w in wheels if w.name == name and w.tags & target.tags
                and all(s.specifier.contains(w.version, prereleases=True) for s in specs[name])
                and w.supports(target.markers["python_full_version"])]
        if not fits:
            text = name + ",".join(str(s.specifier) for s in specs[name] if s.specifier)
            if text not in missing:
                missing.append(text)
            continue
        best = max(fits, key=lambda w: w.version)
        extras = tuple(sorted(set(req.extras)))
        key = f"{name}[{','.join(extras)}]"
        if chosen.get(key) is best:
            continue
        chosen[key] = best
        todo += [(r, extras) for r in best.requires()]
    by_name = {key.split("[")[0]: w for key, w in chosen.items()}
    return by_name, missing


def check_wheels(folder: Path, targets: list[Target], roots: list[Requirement]) -> dict[str, list[str]]:
    """Per target, what is missing from ``folder`` (empty lists: the bundle is complete)."""
    wheels = wheels_in(folder)
    return {t.name: closure(t, wheels, roots)[1] for t in targets}


# ---------------------------------------------------------------- downloading

def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    print("  $ " + " ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, check=True)


def fetch_closure(target: Target, folder: Path, roots: list[Requirement]) -> None:
    """Download wheels into ``folder`` until ``target``'s closure is complete."""
    for _ in range(30):
        _, missing = closure(target, wheels_in(folder), roots)
        if not missing:
            return
        _pip("download", "--only-binary=:all:", "--no-deps", "--disable-pip-version-check",
             "-q", "-d", str(folder), *target.pip_args, *missing)
    raise SystemExit(f"{target.name}：依赖始终不完整：{missing}")


def build_project_wheel(folder: Path) -> Path:
    before = {p.name for p in folder.glob("jixiao-*.whl")}
    _pip("wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(folder), str(ROOT))
    new = [p for p in folder.glob("jixiao-*.whl") if p.name not in before] or \
        sorted(folder.glob("jixiao-*.whl"))
    return new[-1]


def build_bundle(out: Path, *, windows: bool = True, versions: tuple[str, ...] = WINDOWS_VERSIONS,
                 make_zip: bool = False) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    wheels = out / "wheels"
    wheels.mkdir(exist_ok=True)
    print(f"[1/4] 生成 jixiao 的 wheel → {wheels}")
    project = build_project_wheel(wheels)
    name, version, _, _ = parse_wheel_filename(project.name)
    roots = [Requirement(f"{name}[{','.join(EXTRAS)}]=={version}")]
    targets = [host_target()] + ([windows_target(v) for v in versions] if windows else [])
    print(f"[2/4] 下载依赖（只要 wheel）：{', '.join(t.name for t in targets)}")
    for target in targets:
        print(f"  {target.name}")
        fetch_closure(target, wheels, roots)
    print("[3/4] 核对每个平台的依赖是否齐全")
    problems = {k: v for k, v in check_wheels(wheels, targets, roots).items() if v}
    if problems:
        raise SystemExit(f"安装包不完整：{problems}")
    manifest = {
        "jixiao": str(version),
        "requirements": [str(r) for r in declared_requirements()],
        "targets": {t.name: sorted(w.path.name for w in closure(t, wheels_in(wheels), roots)[0].values())
                    for t in targets},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    print("[4/4] 写入安装脚本、示例和说明")
    write_scripts(out, str(version))
    for folder in ("examples", "templates"):
        shutil.rmtree(out / folder, ignore_errors=True)
        shutil.copytree(ROOT / folder, out / folder,
                        ignore=shutil.ignore_patterns("*.py", "__pycache__", "~$*"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"完成：{out}（{len(wheels_in(wheels))} 个 wheel，共 {size / 1e6:.1f} MB）")
    if make_zip:
        archive = shutil.make_archive(str(out), "zip", out.parent, out.name)
        print(f"压缩包：{archive}")
    return out


def host_python() -> tuple[str, str]:
    """(Python version, ``uname -s`` and ``-m``) of this machine: what install.sh may use."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}", f"{platform.system()} {platform.machine()}"


def write_scripts(out: Path, version: str, host: tuple[str, str] | None = None) -> None:
    """安装.bat (UTF-8 without BOM, CRLF, chcp 65001 first), install.sh (LF, executable).

    install.sh serves the machine the bundle was built on: it is told that Python's version and
    that system, the only ones its compiled wheels fit.
    """
    host_py, host_os = host or host_python()
    bat = (HERE / "install.bat").read_text(encoding="utf-8").replace("@VERSION@", version)
    (out / "安装.bat").write_bytes(bat.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
    sh = (HERE / "install.sh").read_text(encoding="utf-8").replace("@VERSION@", version)
    sh = sh.replace("@HOST_PY@", host_py).replace("@HOST_OS@", host_os)
    (out / "install.sh").write_bytes(sh.replace("\r\n", "\n").encode("utf-8"))
    os.chmod(out / "install.sh", 0o755)
    readme = (HERE / "说明.txt").read_text(encoding="utf-8").replace("@VERSION@", version)
    # Notepad on an older Windows needs the BOM to read UTF-8
    (out / "说明.txt").write_bytes(b"\xef\xbb\xbf" + readme.replace("\n", "\r\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成 jixiao 离线安装包（需要能访问 PyPI）")
    parser.add_argument("-o", "--out", default="dist/jixiao-离线安装包", metavar="目录",
                        help="输出目录（默认 dist/jixiao-离线安装包）")
    parser.add_argument("--zip", action="store_true", help="另外打成同名 .zip")
    parser.add_argument("--no-windows", action="store_true",
                        help="只放本机平台的 wheel（不下载 Windows 的）")
    parser.add_argument("--python", default=",".join(WINDOWS_VERSIONS), metavar="版本",
                        help="Windows 上支持的 Python 版本（默认 3.10,3.11,3.12,3.13）")
    args = parser.parse_args(argv)
    build_bundle(Path(args.out), windows=not args.no_windows,
                 versions=tuple(v.strip() for v in args.python.split(",") if v.strip()),
                 make_zip=args.zip)
    return 0


if __name__ == "__main__":
    sys.exit(main())

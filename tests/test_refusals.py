"""File-level refusals come from the findings catalogue, with their parameters kept.

Each refusal in the engine's reach is raised here on a real input and compared with the
message the catalogue renders from the same parameters (pyxform's habit: expected text
is built from the code, never retyped). The last test walks the package source for
``InputError(...)`` built with a message in code instead of ``InputError.of(code, ...)``.
"""

from __future__ import annotations

import ast
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from builders import make_grid, write_xlsx
from jixiao.processor.core.engine import check_file, check_grids
from jixiao.processor.core.errors import InputError
from jixiao.processor.core.findings import catalogue, render
from jixiao.processor.core.grid import Grid
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.department import load_department

ROOT = Path(__file__).resolve().parent.parent


def refused(call, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        call(*args, **kwargs)
    return err.value


def assert_refusal(err: InputError, code: str, file: str | None, **params) -> None:
    """The refusal is ``code``, its text is the catalogue's, rendered from ``params``."""
    assert err.code == code
    assert err.params == params
    message, _fix = render(code, **params)
    assert err.detail == message
    assert str(err) == (f"{file}：{message}" if file else message)
    assert "{" not in err.detail and "—" not in err.detail  # every placeholder was filled


def broken_sheet_xlsx(path: Path) -> Path:
    """A workbook the guard accepts whose sheet XML calamine cannot parse (a number cell 'x…')."""
    base = write_xlsx(path.with_name("base.xlsx"), make_grid())
    with zipfile.ZipFile(base) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<v>", b"<v>x", 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


# ------------------------------------------------------------------ the engine (J50x)


def test_no_form_in_the_file_is_j503():
    grid = Grid("说明", [["填报说明"], ["请按模板填写"]], 1, 1, [])
    assert_refusal(refused(check_grids, [grid], "x.xlsx", load_profile()), "J503", "x.xlsx")


def test_the_blank_template_is_j508():
    template = ROOT / "templates" / "自评表.xlsx"
    assert_refusal(refused(check_file, template), "J508", str(template))


def test_a_sheet_calamine_cannot_parse_is_j509(tmp_path):
    path = broken_sheet_xlsx(tmp_path / "坏表.xlsx")
    assert_refusal(refused(check_file, path), "J509", str(path))


def test_a_sheet_over_the_cell_limit_is_j510_in_both_readers(tmp_path, monkeypatch):
    import openpyxl
    from jixiao.processor.files.openpyxl_read import grids_from_openpyxl

    path = write_xlsx(tmp_path / "a.xlsx", make_grid())
    wb, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    ws = wb.worksheets[0]
    rows, cols = ws.max_row - ws.min_row + 1, ws.max_column - ws.min_column + 1
    err = refused(grids_from_openpyxl, wb, values, max_cells=50, file="a.xlsx")
    assert_refusal(err, "J510", "a.xlsx", sheet=ws.title, rows=rows, cols=cols, limit=50)
    # calamine's reader, for a file whose used range the guard does not see (it refuses those
    # it sees first, with its own code): the same refusal
    from jixiao.processor.files import calamine_read, guard

    monkeypatch.setattr(calamine_read, "guard_file",
                        lambda p, limits: guard.inspect(p, {**limits, "max_cells": 10**9}))
    limits = {**load_profile()["limits"], "max_cells": 50}
    grid = calamine_read.load_workbook(path, {**limits, "max_cells": 10**9}).grids[0]
    err = refused(calamine_read.load_workbook, path, limits)
    assert_refusal(err, "J510", str(path), sheet=grid.sheet, rows=len(grid.rows), cols=len(grid.rows[0]),
                   limit=50)


# ------------------------------------------------------------------ the department file (D41x)


def test_department_file_refusals(tmp_path, monkeypatch):
    missing = tmp_path / "无此文件.csv"
    assert_refusal(refused(load_department, missing), "D410", str(missing))

    undecodable = tmp_path / "dept.csv"
    undecodable.write_bytes(b"\xff\xfe\xff" * 10)
    assert_refusal(refused(load_department, undecodable), "D411", str(undecodable))

    bad_json = tmp_path / "dept.json"
    bad_json.write_text('{"预算数": 794.51,\n}', encoding="utf-8")
    assert_refusal(refused(load_department, bad_json), "D414", str(bad_json), line=2, column=1)

    list_json = tmp_path / "list.json"
    list_json.write_text("[794.51, 775.77]", encoding="utf-8")
    assert_refusal(refused(load_department, list_json), "D415", str(list_json), found="列表 […]")

    workbook = broken_sheet_xlsx(tmp_path / "dept.xlsx")
    assert_refusal(refused(load_department, workbook), "D413", str(workbook))

    ok = tmp_path / "ok.csv"
    ok.write_text("预算数,794.51\n", encoding="utf-8")

    def locked(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", locked)
    assert_refusal(refused(load_department, ok), "D412", str(ok), reason="没有权限，或该文件正在 Excel/WPS 中打开")


# ------------------------------------------------------------------ the catalogue itself


# ------------------------------------------------------------------ fill's output (J509, J55x)


def test_fill_refusals_before_anything_is_written(tmp_path):
    from jixiao.processor.files.openpyxl_write import fill_file

    form = write_xlsx(tmp_path / "表.xlsx", make_grid())
    before = form.read_bytes()
    assert_refusal(refused(fill_file, form, tmp_path / "新.xlsx", in_place=True), "J550", None)
    xlsm = tmp_path / "表.xlsm"
    xlsm.write_bytes(before)
    assert_refusal(refused(fill_file, xlsm, in_place=True), "J551", str(xlsm), suffix=".xlsm")
    target = tmp_path / "结果.xls"
    assert_refusal(refused(fill_file, form, target), "J552", None, target=str(target))
    assert_refusal(refused(fill_file, form, form), "J553", str(form))
    xls = tmp_path / "旧.xls"
    xls.write_bytes(before)
    assert_refusal(refused(fill_file, xls, tmp_path / "旧_新.xlsx"), "J554", str(xls))
    missing = tmp_path / "没有的文件夹" / "结果.xlsx"
    err = refused(fill_file, form, missing)
    assert err.code == "J555" and err.params["target"] == str(missing) and err.params["reason"]
    assert_refusal(err, "J555", str(form), **err.params)
    assert form.read_bytes() == before  # the input is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["旧.xls", "表.xlsm", "表.xlsx"]  # nothing written


def test_a_sheet_openpyxl_cannot_parse_is_j509_in_fill(tmp_path):
    from jixiao.processor.files.openpyxl_write import fill_file

    src = broken_sheet_xlsx(tmp_path / "坏.xlsx")
    assert_refusal(refused(fill_file, src, tmp_path / "坏_新.xlsx"), "J509", str(src))
    assert not (tmp_path / "坏_新.xlsx").exists()


def test_every_refusal_code_renders_without_leftover_braces():
    for code, entry in catalogue().items():
        fields = {name for text in (entry["message"], entry["fix"])
                  for _lit, name, _spec, _conv in __import__("string").Formatter().parse(text) if name}
        message, fix = render(code, **{f: "值" for f in fields})
        assert "{" not in message + fix and "}" not in message + fix, code


# ------------------------------------------------------------------ no refusal text in code

# InputError(...) built with its message in code, per file, and whose work it is to convert
# them to InputError.of(code, **params). Lower a count as sites are converted (the test fails
# when a count is higher than what the source holds, so the list cannot go stale).
NOT_YET_CATALOGUED: dict[str, int] = {}


def refusal_calls(tree: ast.AST) -> list[ast.Call]:
    """``InputError(...)`` and ``x.InputError(...)`` calls; ``InputError.of(...)`` is not one."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "InputError")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "InputError"))]


def literal_refusals() -> Counter:
    """Refusals built in code, per source file of the package (the exception class aside)."""
    found: Counter = Counter()
    for path in sorted([*(ROOT / "processor").rglob("*.py"), *(ROOT / "addin").rglob("*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel != "processor/core/errors.py":
            found[rel] += len(refusal_calls(ast.parse(path.read_text(encoding="utf-8"))))
    return +found


def test_no_refusal_message_is_written_in_code():
    found = literal_refusals()
    new = {f: n for f, n in found.items() if n > NOT_YET_CATALOGUED.get(f, 0)}
    assert not new, f"InputError built with a message in code; use InputError.of(code, **params): {new}"
    stale = {f: (n, found.get(f, 0)) for f, n in NOT_YET_CATALOGUED.items() if found.get(f, 0) < n}
    assert not stale, f"lower NOT_YET_CATALOGUED (allowed, now): {stale}"


def test_the_walker_tells_a_refusal_in_code_from_a_catalogue_one():
    tree = ast.parse('raise InputError("文件坏了", file=p)\nraise errors.InputError(msg)\n'
                     'raise InputError.of("J501", reason="x")\nraise errors.InputError.of("J502")')
    assert len(refusal_calls(tree)) == 2

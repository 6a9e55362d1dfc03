"""``python -m jixiao 文件``: one click of 校验/计算 on a workbook, without Excel.

For debugging what the button does, like xlwings' mock caller: the workbook's values
are sent to xlwings' remote engine as an Office.js client would send them, the very
entry point of the button (:func:`jixiao.main`) runs on it, and what it would do in
Excel is listed (values written, colours, notes, the 校验结果 sheet, the alert). Unless
told otherwise, those actions are then carried out on a copy of the file with openpyxl
(``<原文件名>_点击结果.xlsx``); the input is never modified unless ``--in-place``.

The remote engine belongs to xlwings PRO: it needs ``XLWINGS_LICENSE_KEY`` (xlwings'
free ``noncommercial`` key covers non-commercial use only). ``jixiao fill`` gives the
same checks without it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from jixiao.processor.files.fileio import os_reason

LICENSE_ENV = "XLWINGS_LICENSE_KEY"
IGNORED = {"activateSheet", "setScreenUpdating", "setAutofit", "alert", "setSelection"}


def payload(path: Path, xlwings_version: str) -> dict[str, Any]:
    """The workbook's shown values as the remote engine's JSON (an Office.js client's)."""
    wb = _load(path, data_only=True)
    if not wb.worksheets:  # e.g. a Strict Open XML file: openpyxl finds no sheet in it
        from jixiao.processor.core.errors import InputError

        raise InputError.of("J509", file=str(path))
    sheets = []
    for ws in wb.worksheets:
        rows = [[_json_value(v) for v in row] for row in ws.iter_rows(values_only=True)]
        notes = [{"address": cell.coordinate, "text": cell.comment.text}
                 for row in ws.iter_rows() for cell in row if cell.comment]
        # protection as Office.js reports it: the click refuses a protected sheet (J520) as in Excel;
        # merged ranges as the reader takes them from the payload (overlapping ones: J519, as check)
        sheets.append({"name": ws.title, "values": rows or [[""]], "pictures": [], "shapes": [],
                       "charts": [], "tables": [], "notes": notes, "visibility": "Visible",
                       "protection": {"protected": bool(ws.protection.sheet)},
                       "merged_ranges": [str(r) for r in ws.merged_cells.ranges]})
    active = wb.worksheets.index(wb.active) if wb.active in wb.worksheets else 0
    locked = bool(wb.security is not None and wb.security.lockStructure)
    return {"client": "Office.js", "version": xlwings_version,
            "book": {"name": path.name, "active_sheet_index": active, "selection": "A1",
                     "protection": {"protected": locked}},
            "names": [], "sheets": sheets}


def _load(path: Path, **options: Any) -> Any:
    """openpyxl's workbook from the file's bytes: the guard has said what the file is, so a
    workbook saved under another extension (自评表.pdf) is read, not refused by its name."""
    import warnings

    import openpyxl

    from jixiao.processor.core.errors import InputError

    with warnings.catch_warnings():  # openpyxl's English warnings about parts it drops
        warnings.simplefilter("ignore")
        try:
            with open(path, "rb") as fh:
                return openpyxl.load_workbook(fh, **options)
        except OSError:
            raise
        except Exception:  # openpyxl raises many types for damaged packages (a sheet named "a]b")
            raise InputError.of("J509", file=str(path)) from None


def _has_macros(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return "xl/vbaProject.bin" in zf.namelist()


def default_output(src: Path) -> Path:
    """``<原文件名>_点击结果.xlsx`` (``.xlsm`` when the workbook carries macros)."""
    return src.with_name(f"{src.stem}_点击结果{'.xlsm' if _has_macros(src) else '.xlsx'}")


def _json_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return value


def click(path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """Run the button's entry point on ``path``; return the actions it took."""
    import jixiao

    xw = jixiao.import_xlwings()
    data = payload(path, xw.__version__)
    if sheet is not None:
        names = [s["name"] for s in data["sheets"]]
        if sheet not in names:
            raise SystemExit(f"{path}：没有名为“{sheet}”的工作表（有：{'、'.join(names)}）")
        data["book"]["active_sheet_index"] = names.index(sheet)
    book = xw.Book(json=data)
    book.set_mock_caller()
    try:
        jixiao.main()
    finally:
        del xw.Book._mock_caller
    return book.json()["actions"]


def describe(action: dict[str, Any], sheets: list[str]) -> str:
    """One action in Chinese, e.g. “写入 自评表!H19 = 110”."""
    func, args = action["func"], action.get("args") or []
    where = ""
    if action.get("start_row") is not None:
        from openpyxl.utils import get_column_letter

        pos = action.get("sheet_position")
        top = f"{get_column_letter(action['start_column'] + 1)}{action['start_row'] + 1}"
        end = (f":{get_column_letter(action['start_column'] + action['column_count'])}"
               f"{action['start_row'] + action['row_count']}"
               if action["row_count"] * action["column_count"] > 1 else "")
        where = f"{sheets[pos] if pos is not None and pos < len(sheets) else ''}!{top}{end}"
    if func == "setValues":
        values = action["values"]
        shown = values[0][0] if len(values) == 1 and len(values[0]) == 1 else f"{len(values)} 行"
        return f"写入 {where} = {shown}"
    if func == "setRangeColor":
        return f"底色 {where} → {args[0] or '无'}"
    if func == "addNote":
        return f"批注 {where}：{str(args[1]).splitlines()[0]}"
    if func == "addSheet":
        return f"新建工作表“{args[1]}”"
    if func == "alert":
        return f"弹出提示：{args[0]}"
    return f"{func} {where} {args}".rstrip()


def _follow_sheets(action: dict[str, Any], sheets: list[str]) -> None:
    """Keep ``sheets`` (names by position) as the action leaves the workbook: a new sheet
    goes where the add-in puts it, so later actions name the sheet they really touch."""
    args = action.get("args") or []
    if action["func"] == "addSheet":
        sheets.insert(min(int(args[0]), len(sheets)), str(args[1]))
    elif action["func"] == "deleteSheet" and action.get("sheet_position") is not None:
        del sheets[action["sheet_position"]]


def replay(src: Path, target: Path, actions: list[dict[str, Any]]) -> list[str]:
    """Carry the actions out on a copy of ``src`` saved as ``target``; return those skipped."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from jixiao.processor.files.atomic import atomic_write

    wb = _load(src, keep_vba=_has_macros(src))
    skipped: list[str] = []
    for action in actions:
        func, args = action["func"], action.get("args") or []
        if func in IGNORED:
            continue
        if func == "addSheet":
            wb.create_sheet(args[1], args[0])
            continue
        if func == "deleteSheet":
            del wb[wb.sheetnames[action["sheet_position"]]]
            continue
        if func == "setSheetVisibility":
            wb.worksheets[action["sheet_position"]].sheet_state = "hidden" if args[0] != "Visible" else "visible"
            continue
        if action.get("start_row") is None:
            skipped.append(func)
            continue
        ws = wb.worksheets[action["sheet_position"]]
        r0, c0 = action["start_row"] + 1, action["start_column"] + 1
        cells = [ws.cell(r0 + i, c0 + j) for i in range(action["row_count"])
                 for j in range(action["column_count"])]
        if func == "setValues":
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    ws.cell(r0 + i, c0 + j).value = None if value == "" else value
        elif func == "setRangeColor":
            for cell in cells:
                cell.fill = (PatternFill("solid", fgColor=args[0].lstrip("#")) if args[0]
                             else PatternFill(fill_type=None))
        elif func in ("addNote", "setNoteText"):
            cells[0].comment = Comment(str(args[1]), "jixiao")
        elif func in ("deleteNote", "deleteNotes"):
            for cell in cells:
                cell.comment = None
        elif func == "setNumberFormat":
            for cell in cells:
                cell.number_format = args[0]
        elif func == "setFontProperty" and args and args[0] == "bold":
            for cell in cells:
                cell.font = Font(bold=bool(args[1]))
        elif func in ("clearContents", "clear"):
            for cell in cells:
                cell.value = None
        elif func == "rangeMerge":  # args: [across] — merge row by row
            rows = range(r0, r0 + action["row_count"]) if args and args[0] else [r0]
            for r in rows:
                last = r if args and args[0] else r0 + action["row_count"] - 1
                ws.merge_cells(start_row=r, start_column=c0, end_row=last, end_column=c0 + action["column_count"] - 1)
        elif func == "setColumnWidth":
            for j in range(action["column_count"]):
                ws.column_dimensions[get_column_letter(c0 + j)].width = args[0]
        elif func == "setRowHeight":
            for i in range(action["row_count"]):
                ws.row_dimensions[r0 + i].height = args[0]
        elif func == "setWrapText":
            for cell in cells:
                cell.alignment = Alignment(wrap_text=bool(args[0]), vertical="top")
        else:
            skipped.append(func)
    atomic_write(target, lambda tmp: wb.save(tmp))
    return skipped


def main(argv: list[str] | None = None) -> int:
    from jixiao.processor.cli.parser import (
        ChineseParser,  # jixiao's Chinese usage errors and headings
    )

    parser = ChineseParser(
        prog="python -m jixiao",
        description="不用 Excel，对一个自评表模拟点一次“校验/计算”：列出加载项会做的每个改动，"
                    "并写到副本里（默认“<原文件名>_点击结果.xlsx”）。用于排查加载项的问题。")
    parser.add_argument("file", metavar="文件", help="自评表（.xlsx / .xlsm）")
    parser.add_argument("-o", "--out", metavar="输出", help="写到这个文件")
    parser.add_argument("--in-place", action="store_true", help="直接改原文件（不建议）")
    parser.add_argument("--no-write", action="store_true", help="只列出改动，不写文件")
    parser.add_argument("--sheet", metavar="工作表", help="当作当前工作表的表名（默认为文件保存时的当前表）")
    args = parser.parse_args(argv)

    from jixiao.processor.core.errors import InputError
    from jixiao.processor.files.guard import inspect

    src = Path(args.file)
    try:
        report = inspect(src)
    except InputError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return 2
    if report.kind != "xlsx":
        print(f"jixiao：{src}：加载项的模拟只支持 .xlsx / .xlsm；.xls 请用 jixiao check 或 jixiao fill。",
              file=sys.stderr)
        return 2
    if not os.environ.get(LICENSE_ENV):
        print(f"jixiao：模拟点击使用 xlwings PRO 的 remote 引擎，需要设置环境变量 {LICENSE_ENV}。"
              f"非商业用途可设为 noncommercial（例如 set {LICENSE_ENV}=noncommercial）；"
              "否则请用 jixiao fill 文件，它做同样的校验并写出结果副本。", file=sys.stderr)
        return 2
    try:
        actions = click(src, args.sheet)
        sheets = [s["name"] for s in payload(src, "")["sheets"]]
    except InputError as exc:
        print(f"jixiao：{exc}", file=sys.stderr)
        return 2
    for action in actions:
        if action["func"] not in IGNORED - {"alert"}:
            print("  " + describe(action, sheets))
        _follow_sheets(action, sheets)
    if args.no_write:
        return 0
    if all(a["func"] in IGNORED for a in actions):  # e.g. a protected sheet: Excel would change nothing
        print("加载项不会改动这个文件，没有写出副本。")
        return 0
    if args.in_place:
        backup = src.with_name(f"{src.stem}.bak{src.suffix}")
        shutil.copyfile(src, backup)
        target = src
        print(f"原文件已备份为 {backup}", file=sys.stderr)
    else:
        target = Path(args.out) if args.out else default_output(src)
    try:
        skipped = replay(src, target, actions)
    except OSError as exc:
        print(f"jixiao：无法写入“{target}”（{os_reason(exc)}），如该文件正在 Excel/WPS 中打开，请关闭后重试",
              file=sys.stderr)
        return 2
    if skipped:
        print(f"注意：以下操作没有在副本中重现：{'、'.join(sorted(set(skipped)))}", file=sys.stderr)
    print(f"已写入 {target}")
    return 0

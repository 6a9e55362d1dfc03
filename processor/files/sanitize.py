"""What ``jixiao fill`` must not carry into its copy: external links, unsafe hyperlinks, macros.

A submitted workbook may point outside itself. Opened on the reviewer's machine, a copy
that kept those pointers would fetch ``\\\\server\\share\\budget.xlsx`` (leaking the
reviewer's credentials to that server), run ``javascript:`` / ``file:`` / ``ms-msdt:``
targets on a click, ask to start a DDE program, or run VBA. The copy ``fill`` writes is
therefore cleaned the way Excel's own "断开链接" (Break Link) does it:

- every formula that refers to another workbook (``[1]Sheet1!A1``) or to a DDE server
  (``cmd|' /C calc'!A0``) becomes the value it last showed, and defined names that refer
  outside are removed, then the external-link parts themselves;
- a hyperlink is kept only when it points inside the workbook or to ``http:``, ``https:``
  or ``mailto:``; ``HYPERLINK("file:…")`` formulas become their value;
- no VBA project is written (the copy is always .xlsx).

:func:`sanitize_workbook` works on the openpyxl objects right after loading, so the
check itself reads what the copy will hold; it returns the Chinese notices to print.
"""

from __future__ import annotations

from typing import Any

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def formula_strings(formula: str) -> tuple[str, list[str]]:
    """The formula without its string literals, and the literals (``""`` unescaped).

    One pass, character by character: linear whatever the formula holds.
    """
    outside: list[str] = []
    literals: list[str] = []
    i, n = 0, len(formula)
    while i < n:
        ch = formula[i]
        if ch != '"':
            outside.append(ch)
            i += 1
            continue
        j = i + 1
        buf: list[str] = []
        while j < n:
            if formula[j] == '"':
                if j + 1 < n and formula[j + 1] == '"':
                    buf.append('"')
                    j += 2
                    continue
                break
            buf.append(formula[j])
            j += 1
        literals.append("".join(buf))
        outside.append('""')
        i = j + 1
    return "".join(outside), literals


def refers_outside(formula: str) -> bool:
    """True for a reference to another workbook (``[1]…``, ``'[a.xlsx]S'!A1``) or DDE (``a|b!c``)."""
    code, _ = formula_strings(formula)
    if "|" in code:
        return True
    start = code.find("[")
    while start >= 0:
        end = code.find("]", start)
        if end < 0:
            return False
        before = code[start - 1] if start else ""
        inside = code[start + 1 : end]
        # a structured table reference follows a name (Table1[Col]); an external book
        # index or name follows an operator, a quote or the start of the formula
        if not (before.isalnum() or before in "_.]") and inside and "#" not in inside and "@" not in inside:
            return True
        start = code.find("[", end)
    return False


def unsafe_target(target: str | None) -> bool:
    """True for a hyperlink target that is neither inside the workbook nor http(s)/mailto."""
    if not target:
        return False
    t = "".join(target.split()).lower()
    return not t.startswith(SAFE_SCHEMES)


def _unsafe_hyperlink_formula(formula: str) -> bool:
    code, literals = formula_strings(formula)
    if "HYPERLINK(" not in code.upper().replace(" ", ""):
        return False
    return any(unsafe_target(lit) and (":" in lit or lit.startswith("\\\\")) for lit in literals)


def sanitize_workbook(wb: Any, values_wb: Any) -> list[str]:
    """Break external links, drop unsafe hyperlinks and macros in ``wb`` (an openpyxl
    workbook loaded with formulas; ``values_wb`` the same file with cached values).

    Returns Chinese notices for what was changed (nothing when the file was clean)."""
    from openpyxl.worksheet.worksheet import Worksheet

    broken = links = 0
    for ws in wb.worksheets:
        if not isinstance(ws, Worksheet):
            continue
        cached = values_wb[ws.title] if ws.title in values_wb.sheetnames else None
        for (row, col), cell in list(ws._cells.items()):
            value = cell.value
            if cell.data_type == "f" and isinstance(value, str) and (
                    refers_outside(value) or _unsafe_hyperlink_formula(value)):
                kept = cached._cells.get((row, col)) if cached is not None else None
                cell.value = kept.value if kept is not None else None
                broken += 1
            link = cell.hyperlink
            if link is not None and not link.location and unsafe_target(link.target):
                cell.hyperlink = None
                links += 1
        for name in [n for n, d in ws.defined_names.items() if refers_outside(str(d.value or ""))]:
            del ws.defined_names[name]
    names = [n for n, d in wb.defined_names.items() if refers_outside(str(d.value or ""))]
    for name in names:
        del wb.defined_names[name]
    external = len(wb._external_links)
    wb._external_links = []
    wb.vba_archive = None
    notices = []
    if external or broken or names:
        notices.append(f"已断开指向其他文件的外部链接（{external} 个链接、{broken} 个公式改为当前值、"
                       f"{len(names)} 个名称删除），输出副本不含外部链接")
    if links:
        notices.append(f"已删除 {links} 个指向本机文件、脚本或非网页地址的超链接（如 file:、javascript:），"
                       "输出副本只保留网页、邮件和表内超链接")
    return notices

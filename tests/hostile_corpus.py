"""An adversarial corpus, generated on demand (no committed binaries).

``build_corpus(directory)`` writes every file and returns file name → expected outcome:
``"ok"`` (the guard lets it through; a reader should process it) or the InputError
code the guard must raise (``"J501"`` … ``"J505"``, ``"J530"`` … ``"J545"``). The attacks of
issue 11 (round two) are written by :mod:`hostile_workbooks`. Names are relative to
``directory``. Items that need an optional package (xlwt for .xls, msoffcrypto-tool for
an encrypted package) or a POSIX feature are left out when it is missing; ``SKIPPED``
then says why.

``write_minimal_form(path, project_name=..., **overrides)`` writes a small, valid
项目支出绩效自评表 with openpyxl (every text cell is stored as text, even when it starts
with "="); ``write_minimal_form_xls`` writes the same table as BIFF8 with xlwt. Both are
meant for reuse by other tests.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: item name → reason, for the items left out of the last ``build_corpus`` call
SKIPPED: dict[str, str] = {}

Cell = tuple[int, int, Any]  # (row, column) 1-based, value

DEFAULT_INDICATORS: list[tuple[str, str, str, str, str, float, float, str]] = [
    ("产出指标", "数量指标", "培训人次", "≥50人次", "52人次", 20, 20, ""),
    ("产出指标", "质量指标", "培训合格率", "≥95%", "98%", 15, 15, ""),
    ("产出指标", "时效指标", "按时完成率", "100%", "100%", 10, 10, ""),
    ("成本指标", "经济成本指标", "人均培训成本", "≤2000元", "1900元", 5, 5, ""),
    ("效益指标", "社会效益指标", "政策知晓率", "有所提升", "部分达成预期指标并具有一定效果", 30, 22,
     "宣传覆盖面不足，下年度增加基层宣讲场次"),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "95%", 10, 10, ""),
]  # fmt: skip

DEFAULT_FORM: dict[str, Any] = {
    "title": "项目支出绩效自评表",
    "year": "（2024 年度）",
    "department": "某某区信访办公室",
    "unit": "某某区信访办公室",
    # (label, 年初预算数, 全年预算数, 全年执行数); the 年度资金总额 row comes first
    "funds": [
        ("年度资金总额", 50, 50, 48.5),
        ("其中：当年财政拨款", 50, 50, 48.5),
        ("上年结转资金", 0, 0, 0),
        ("其他资金", 0, 0, 0),
    ],
    "execution_weight": 10,
    "goal_expected": "完成年度信访业务培训，提升基层干部业务能力。",
    "goal_actual": "全年举办培训 4 期，培训 52 人次，达到预期目标。",
    "indicators": DEFAULT_INDICATORS,
    "total": None,  # None: computed; a value is written as given
    "sheet_title": "自评表",
}


def minimal_form_cells(
    project_name: str = "信访业务培训项目", **overrides: Any
) -> tuple[list[Cell], list[str]]:
    """The cells and merged ranges of a minimal 自评表 (columns A–I)."""
    unknown = set(overrides) - set(DEFAULT_FORM)
    if unknown:
        raise TypeError(f"unknown form fields: {sorted(unknown)}")
    f = {**DEFAULT_FORM, **overrides}
    cells: list[Cell] = [
        (1, 1, f["title"]),
        (2, 1, f["year"]),
        (3, 1, "项目名称"),
        (3, 2, project_name),
        (4, 1, "主管部门"),
        (4, 2, f["department"]),
        (4, 5, "实施单位"),
        (4, 6, f["unit"]),
        (5, 1, "项目资金（万元）"),
    ]
    for col, label in enumerate(
        ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], 3
    ):
        cells.append((5, col, label))
    row = 6
    exec_score = 0.0
    for i, (label, initial, budget, actual) in enumerate(f["funds"]):
        cells += [(row, 2, label), (row, 3, initial), (row, 4, budget), (row, 5, actual)]
        rate = round(actual / budget, 4) if budget else None
        if i == 0:
            exec_score = round(min(rate or 0, 1) * f["execution_weight"], 2)
            cells += [(row, 6, f["execution_weight"]), (row, 7, rate), (row, 8, exec_score)]
        else:
            cells += [(row, 6, "—"), (row, 7, rate if rate is not None else "—"), (row, 8, "—")]
        row += 1
    funds_end = row - 1
    cells += [(row, 1, "年度总体目标"), (row, 2, "预期目标"), (row, 6, "实际完成情况")]
    cells += [(row + 1, 2, f["goal_expected"]), (row + 1, 6, f["goal_actual"])]
    goal_row = row
    row += 2
    heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
             "偏差原因分析及改进措施"]  # fmt: skip
    cells.append((row, 1, "绩效指标"))
    cells += [(row, col, h) for col, h in enumerate(heads, 2)]
    ind_start = row
    total = exec_score
    for ind in f["indicators"]:
        row += 1
        cells += [(row, col, v) for col, v in enumerate(ind, 2) if v not in ("", None)]
        total += float(ind[6] or 0)
    row += 1
    weights = f["execution_weight"] + sum(float(ind[5] or 0) for ind in f["indicators"])
    cells += [(row, 1, "总分"), (row, 7, weights)]
    cells.append((row, 8, round(total, 2) if f["total"] is None else f["total"]))
    merges = ["A1:I1", "A2:I2", "B3:I3", "B4:D4", "F4:I4", f"A5:A{funds_end}",
              f"A{goal_row}:A{goal_row + 1}", f"B{goal_row}:E{goal_row}", f"F{goal_row}:I{goal_row}",
              f"B{goal_row + 1}:E{goal_row + 1}", f"F{goal_row + 1}:I{goal_row + 1}",
              f"A{ind_start}:A{row - 1}"]  # fmt: skip
    return cells, merges


def write_minimal_form(
    path: str | Path,
    project_name: str = "信访业务培训项目",
    *,
    formulas: dict[str, str] | None = None,
    **overrides: Any,
) -> Path:
    """Write a minimal valid 自评表 .xlsx; ``formulas`` maps "A30" → "=SUM(1,2)" (real formulas)."""
    from openpyxl import Workbook

    cells, merges = minimal_form_cells(project_name, **overrides)
    wb = Workbook()
    ws = wb.active
    ws.title = (
        DEFAULT_FORM["sheet_title"] if "sheet_title" not in overrides else overrides["sheet_title"]
    )
    for r, c, value in cells:
        cell = ws.cell(row=r, column=c, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text, "=1+1" included
        elif isinstance(value, float) and c == 7 and 0 <= value <= 2:
            cell.number_format = "0.00%"
    for rng in merges:
        ws.merge_cells(rng)
    for ref, formula in (formulas or {}).items():
        ws[ref] = formula
    path = Path(path)
    wb.save(path)
    return path


def write_minimal_form_xls(
    path: str | Path, project_name: str = "信访业务培训项目", **overrides: Any
) -> Path:
    """The same table as a BIFF8 .xls (needs xlwt)."""
    import xlwt

    cells, merges = minimal_form_cells(project_name, **overrides)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(overrides.get("sheet_title", DEFAULT_FORM["sheet_title"]))
    merged_tail: set[tuple[int, int]] = set()
    for rng in merges:
        (c1, r1), (c2, r2) = (_split_ref(x) for x in rng.split(":"))
        merged_tail |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    written = set()
    for rng in merges:
        (c1, r1), (c2, r2) = (_split_ref(x) for x in rng.split(":"))
        value = next((v for r, c, v in cells if (r, c) == (r1, c1)), "")
        ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, value)
        written.add((r1, c1))
    for r, c, value in cells:
        if (r, c) not in written and (r, c) not in merged_tail:
            ws.write(r - 1, c - 1, value)
    path = Path(path)
    wb.save(str(path))
    return path


def _split_ref(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return col, int(ref[len(letters) :])


# ---------------------------------------------------------------------------------------
# zip surgery


def _rewrite(src: Path, dst: Path, replace: dict[str, bytes | None] | None = None,
             add: dict[str, bytes] | None = None) -> Path:  # fmt: skip
    """Copy a zip, replacing (bytes) or dropping (None) members and adding new ones."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    zout.writestr(info.filename, replace[info.filename])
                continue
            zout.writestr(info.filename, zin.read(info.filename))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _members(src: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(src) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


@dataclass
class RawMember:
    """A member written by hand: ``data`` is already compressed (method 8) or stored (0)."""

    name: str
    data: bytes
    usize: int
    crc: int
    method: int = 8
    flags: int = 0
    local_usize: int | None = None  # a lying local header
    local_csize: int | None = None
    csize: int | None = None  # declared compressed size (default len(data))


def write_raw_zip(path: Path, members: list[RawMember]) -> Path:
    """A zip whose headers say exactly what the members say, true or not."""
    out = io.BytesIO()
    central = []
    for m in members:
        offset = out.tell()
        name = m.name.encode()
        flags = m.flags | 0x800
        csize = len(m.data) if m.csize is None else m.csize
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, m.method, 0, 0x21, m.crc,
                              m.local_csize if m.local_csize is not None else csize,
                              m.local_usize if m.local_usize is not None else m.usize,
                              len(name), 0))  # fmt: skip
        out.write(name)
        out.write(m.data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, m.method, 0, 0x21,
                                   m.crc, csize, m.usize, len(name), 0, 0, 0, 0, 0, offset) + name)  # fmt: skip
    cd_start = out.tell()
    for rec in central:
        out.write(rec)
    cd_size = out.tell() - cd_start
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), cd_size,
                          cd_start, 0))  # fmt: skip
    path.write_bytes(out.getvalue())
    return path


def _raw_from_zip(src: Path) -> list[RawMember]:
    members = []
    for name, data in _members(src).items():
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        comp = c.compress(data) + c.flush()
        members.append(RawMember(name, comp, len(data), zlib.crc32(data)))
    return members


def _repeated_deflate(head: bytes, unit: bytes, count: int, tail: bytes,
                      with_crc: bool = True) -> tuple[bytes, int, int]:  # fmt: skip
    """Deflate head + unit*count + tail without ever holding the plain text: after a full
    flush the compressor restarts, so every copy of ``unit`` compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.compress(tail) + c.flush()
    crc = 0
    if with_crc:
        crc = zlib.crc32(head)
        for _ in range(count):
            crc = zlib.crc32(unit, crc)
        crc = zlib.crc32(tail, crc)
    size = len(head) + len(unit) * count + len(tail)
    return first + block * count + last, size, crc


_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"
_MB = 1024 * 1024


def _bomb(form: Path, dst: Path, plain_mb: int, declared: int | None = None,
          with_crc: bool = True) -> Path:  # fmt: skip
    """The form with xl/worksheets/sheet1.xml replaced by ``plain_mb`` MB of blanks
    inside <sheetData> (valid XML), optionally declared smaller than it is."""
    members = _raw_from_zip(form)
    comp, size, crc = _repeated_deflate(_SHEET_HEAD, b" " * _MB, plain_mb, _SHEET_TAIL, with_crc)
    for i, m in enumerate(members):
        if m.name == "xl/worksheets/sheet1.xml":
            members[i] = RawMember(m.name, comp, size if declared is None else declared, crc)
    return write_raw_zip(dst, members)


# ---------------------------------------------------------------------------------------
# XML payloads

BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)

XXE_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    "</sheetData></worksheet>"
)

EXTERNAL_LINK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
    "</externalBook></externalLink>"
)
EXTERNAL_LINK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/externalLinkPath" Target="file:///C:/secret/budget.xlsx" TargetMode="External"/>'
    "</Relationships>"
)

FORMULA_INJECTION = ['=HYPERLINK("http://x","y")', "=1+1", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


def _shared_strings(parts: dict[str, bytes], sst: bytes) -> dict[str, dict[str, bytes]]:
    """replace/add arguments of ``_rewrite`` that give the package a (hostile) shared-strings
    part, registered in [Content_Types].xml and the workbook's relationships so that a
    reader really parses it."""
    types = parts["[Content_Types].xml"]
    if b"sharedStrings" not in types:
        types = types.replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    rels = parts["xl/_rels/workbook.xml.rels"]
    if b"sharedStrings" not in rels:
        rels = rels.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    replace = {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels}
    if "xl/sharedStrings.xml" in parts:
        return {"replace": {**replace, "xl/sharedStrings.xml": sst}}
    return {"replace": replace, "add": {"xl/sharedStrings.xml": sst}}


def _with_prolog(xml: bytes, prolog: bytes) -> bytes:
    """Insert ``prolog`` right after the XML declaration (or at the start)."""
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?") else 0
    return xml[:end] + prolog + xml[end:]


# ---------------------------------------------------------------------------------------
# the corpus


def build_corpus(directory: Path) -> dict[str, str]:
    """Write the hostile corpus into ``directory``; return name → "ok" or an error code."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    SKIPPED.clear()
    expect: dict[str, str] = {}

    def item(name: str, outcome: str) -> Path:
        expect[name] = outcome
        return directory / name

    base = write_minimal_form(item("minimal.xlsx", "ok"))
    parts = _members(base)

    # --- processable -------------------------------------------------------------------
    write_minimal_form(
        item("formula_injection.xlsx", "ok"),
        project_name=FORMULA_INJECTION[0],
        department=FORMULA_INJECTION[1],
        unit=FORMULA_INJECTION[2],
        goal_expected=FORMULA_INJECTION[3],
        goal_actual=FORMULA_INJECTION[4],
        indicators=[(*DEFAULT_INDICATORS[0][:7], "=1+1")] + DEFAULT_INDICATORS[1:],
    )
    write_minimal_form(item("webservice.xlsx", "ok"),
                       formulas={"K1": '=WEBSERVICE("http://example.invalid/?q=1")',
                                 "K2": '=FILTERXML("<a>1</a>","//a")'})  # fmt: skip
    xlsm = _rewrite(base, item("macros_links.xlsm", "ok"), add={
        "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "xl/externalLinks/externalLink1.xml": EXTERNAL_LINK.encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS.encode(),
    })  # fmt: skip
    _large_sane(item("large_sane.xlsx", "ok"))
    _sparse_far(item("sparse_far_cells.xlsx", "J538"))
    for odd in (
        "自评表 2024 （终稿） v2 .xlsx",
        "北京市丰台区信访办公室项目支出绩效自评表.xlsx",
        "项目支出绩效自评表_" + "x" * 185 + ".xlsx",
    ):
        shutil.copyfile(base, item(odd, "ok"))
    shutil.copyfile(base, item("duplicate_a.xlsx", "ok"))
    shutil.copyfile(base, item("duplicate_b.xlsx", "ok"))
    shutil.copyfile(base, item("really_a_workbook.pdf", "ok"))  # content decides, not the name

    try:
        write_minimal_form_xls(item("form.xls", "ok"))
        _encrypted_xls(item("encrypted.xls", "J502"))
        xls_bytes = (directory / "form.xls").read_bytes()
        (item("truncated.xls", "J501")).write_bytes(xls_bytes[:1024])
    except ImportError:
        for n in ("form.xls", "encrypted.xls", "truncated.xls"):
            expect.pop(n, None)
            SKIPPED[n] = "xlwt 未安装，无法生成 .xls"

    # --- encrypted -----------------------------------------------------------------------
    try:
        from msoffcrypto.format.ooxml import OOXMLFile

        with open(base, "rb") as fin, open(item("encrypted.xlsx", "J502"), "wb") as fout:
            OOXMLFile(fin).encrypt("1234", fout)
    except ImportError:
        expect.pop("encrypted.xlsx", None)
        SKIPPED["encrypted.xlsx"] = "msoffcrypto-tool 未安装，无法生成加密工作簿"
    raw = _raw_from_zip(base)
    raw[0].flags |= 0x1
    write_raw_zip(item("zip_password.xlsx", "J502"), raw)

    # --- bombs and lying headers -----------------------------------------------------------
    _bomb(base, item("zip_bomb.xlsx", "J533"), plain_mb=1300, with_crc=False)
    _bomb(base, item("zip_bomb_ratio.xlsx", "J534"), plain_mb=100)
    _bomb(base, item("zip_bomb_lying_size.xlsx", "J535"), plain_mb=200, declared=300 * 1024,
          with_crc=False)  # fmt: skip
    raw = _raw_from_zip(base)
    sheet = next(m for m in raw if m.name == "xl/worksheets/sheet1.xml")
    sheet.local_usize = sheet.usize * 50
    write_raw_zip(item("lying_local_header.xlsx", "J535"), raw)
    raw = _raw_from_zip(base)
    raw[0].csize = len(raw[0].data) + 30 + len(raw[1].name.encode()) + 10
    raw[0].usize = max(raw[0].usize, raw[0].csize)
    write_raw_zip(item("overlapping_members.xlsx", "J535"), raw)
    with zipfile.ZipFile(item("too_many_members.xlsx", "J531"), "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
        for i in range(10_001):
            z.writestr(f"xl/media/pad{i}.txt", b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _rewrite(base, item("duplicate_member_names.xlsx", "J504"),
                 add={"xl/workbook.xml": parts["xl/workbook.xml"]})  # fmt: skip
    with open(item("oversized.xlsx", "J530"), "wb") as f:  # sparse: 101 MB on paper only
        f.write(base.read_bytes())
        f.truncate(101 * _MB)

    # --- XML attacks -------------------------------------------------------------------------
    _rewrite(
        base, item("billion_laughs.xlsx", "J536"), **_shared_strings(parts, BILLION_LAUGHS.encode())
    )
    _rewrite(base, item("xxe.xlsx", "J536"),
             replace={"xl/worksheets/sheet1.xml": XXE_SHEET.encode()})  # fmt: skip
    xxe16 = XXE_SHEET.replace("UTF-8", "UTF-16").encode("utf-16")
    _rewrite(base, item("xxe_utf16.xlsx", "J536"), **_shared_strings(parts, xxe16))
    _rewrite(base, item("doctype_after_comment.xlsx", "J536"), replace={
        "xl/workbook.xml": _with_prolog(parts["xl/workbook.xml"],
                                        b"<!--" + b"x" * 10_000 + b'--><!DOCTYPE w [<!ENTITY a "b">]>')})  # fmt: skip
    _rewrite(base, item("huge_prolog.xlsx", "J536"), replace={
        "xl/styles.xml": _with_prolog(parts["xl/styles.xml"], b"<!--" + b"x" * 200_000 + b"-->")})  # fmt: skip
    utf7 = b'<?xml version="1.0" encoding="UTF-7"?>' + parts["xl/workbook.xml"].split(b"?>", 1)[-1]
    _rewrite(base, item("xml_utf7.xlsx", "J536"), replace={"xl/workbook.xml": utf7})

    # --- damaged -----------------------------------------------------------------------------
    data = base.read_bytes()
    item("truncated.xlsx", "J501").write_bytes(data[: len(data) // 2])
    _rewrite(
        base, item("missing_content_types.xlsx", "J501"), replace={"[Content_Types].xml": None}
    )
    _rewrite(base, item("missing_workbook.xlsx", "J501"), replace={"xl/workbook.xml": None})
    raw = _raw_from_zip(base)
    sheet = next(m for m in raw if m.name == "xl/worksheets/sheet1.xml")
    mid = len(sheet.data) // 2
    sheet.data = (
        sheet.data[:mid]
        + bytes(b ^ 0x55 for b in sheet.data[mid : mid + 8])
        + sheet.data[mid + 8 :]
    )
    write_raw_zip(item("corrupt_member.xlsx", "J501"), raw)

    # --- not a workbook ----------------------------------------------------------------------
    item("zero_bytes.xlsx", "J505").write_bytes(b"")
    item("text_renamed.xlsx", "J505").write_text("项目名称,得分\n信访培训,97.7\n", encoding="utf-8")
    item("gbk_text_renamed.xls", "J505").write_bytes(
        "项目名称\t得分\n信访培训\t97.7\n".encode("gbk")
    )
    item("pdf_renamed.xlsx", "J505").write_bytes(
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    item("html_as.xls", "J505").write_text(
        '<html><head><meta charset="utf-8"></head><body><table><tr><td>项目名称</td></tr>'
        "</table></body></html>",
        encoding="utf-8",
    )
    with zipfile.ZipFile(item("plain_zip.xlsx", "J505"), "w") as z:
        z.writestr("readme.txt", "not a workbook")
    with zipfile.ZipFile(item("docx_renamed.xlsx", "J505"), "w") as z:
        z.writestr("[Content_Types].xml", parts["[Content_Types].xml"])
        z.writestr("word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="x"/>')
    with zipfile.ZipFile(item("xlsb_renamed.xlsx", "J505"), "w") as z:
        z.writestr("[Content_Types].xml", parts["[Content_Types].xml"])
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")

    # --- unreadable --------------------------------------------------------------------------
    item("folder.xlsx", "J501").mkdir()
    dangling = item("dangling_link.xlsx", "J501")
    try:
        os.symlink(directory / "does-not-exist.xlsx", dangling)
    except (OSError, NotImplementedError):
        expect.pop(dangling.name)
        SKIPPED[dangling.name] = "系统不支持符号链接"
    if hasattr(os, "mkfifo"):
        os.mkfifo(item("fifo.xlsx", "J501"))
        if os.path.exists("/dev/zero"):
            os.symlink("/dev/zero", item("device_link.xlsx", "J501"))
    else:
        SKIPPED["fifo.xlsx"] = "系统不支持命名管道"
    locked = item("no_permission.xlsx", "J501")
    shutil.copyfile(base, locked)
    os.chmod(locked, 0)
    if os.access(locked, os.R_OK):  # root (or Windows) reads it anyway
        expect[locked.name] = "ok"
        SKIPPED["no_permission.xlsx(J501)"] = "以 root 运行时 chmod 000 仍可读取，改为期望 ok"

    assert xlsm.exists()
    from hostile_workbooks import add_round_two

    add_round_two(directory, item, base, parts)
    return expect


def _sparse_far(path: Path) -> Path:
    """The form plus one value at XFD1048576: calamine would allocate the whole rectangle
    (half a terabyte) and abort the process; the guard must refuse it first."""
    from openpyxl import load_workbook

    tmp = path.with_suffix(".tmp.xlsx")
    write_minimal_form(tmp)
    wb = load_workbook(tmp)
    wb.worksheets[0]["XFD1048576"] = "远处误填"
    wb.save(path)
    tmp.unlink()
    return path


def _large_sane(path: Path, rows: int = 20_000, cols: int = 6) -> Path:
    """A legitimately large workbook: the form plus a data sheet of rows × cols cells."""
    from openpyxl import load_workbook

    tmp = path.with_suffix(".tmp.xlsx")
    write_minimal_form(tmp)
    wb = load_workbook(tmp)
    ws = wb.create_sheet("明细")
    ws.append(["序号", "日期", "摘要", "金额（万元）", "经办人", "备注"][:cols])
    for i in range(1, rows + 1):
        ws.append([i, f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}", f"培训支出第{i}笔", round(i * 0.013, 2),
                   "张三", ""][:cols])  # fmt: skip
    wb.save(path)
    tmp.unlink()
    return path


def _encrypted_xls(path: Path) -> Path:
    """An .xls whose workbook globals start with a FILEPASS (RC4) record after BOF."""
    import xlwt

    cells, _ = minimal_form_cells()
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("自评表")
    for r, c, value in cells:
        ws.write(r - 1, c - 1, value)
    bof = wb._Workbook__bof_rec  # type: ignore[attr-defined]
    filepass = struct.pack("<HHHHH", 0x002F, 54, 1, 1, 2) + bytes(48)
    wb._Workbook__bof_rec = lambda: bof() + filepass  # type: ignore[attr-defined]
    wb.save(str(path))
    return path

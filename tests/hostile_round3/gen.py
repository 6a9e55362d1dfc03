"""Round-3 red-team attack generator: python gen.py OUTDIR. Each attack is derived from examples/06."""
from __future__ import annotations

import re
import shutil
import sys
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "examples" / "06_正确示例_某项目.xlsx"
S = "xl/worksheets/sheet1.xml"
NS_T = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def parts(path: Path = BASE) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(path, p: dict[str, bytes]):
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in p.items():
            z.writestr(n, b)
    return path


def sheet_sub(p, old: str, new: str, count=1):
    x = p[S].decode()
    assert old in x, old
    p[S] = x.replace(old, new, count).encode()
    return p


def cell(p, ref: str, xml: str):
    """replace cell ref by xml (a full <c> element)."""
    x = p[S].decode()
    m = re.search(r'<c r="' + ref + r'"[^>]*?(/>|>.*?</c>)', x)
    assert m, ref
    p[S] = (x[: m.start()] + xml + x[m.end():]).encode()
    return p


def istr(ref, text, s=6):
    return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t>{text}</t></is></c>'


def add_sheet(p, name, part_xml, state=None, root_rel="worksheet", ct="worksheet+xml", part="xl/worksheets/sheet2.xml", rid="rId9", sid="2"):
    p[part] = part_xml
    st = f' state="{state}"' if state else ""
    wb = p["xl/workbook.xml"].decode().replace("</sheets>", f'<sheet name="{name}" sheetId="{sid}"{st} r:id="{rid}" /></sheets>')
    p["xl/workbook.xml"] = wb.encode()
    rels = p["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>", f'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{root_rel}" Target="/{part}" Id="{rid}" /></Relationships>')
    p["xl/_rels/workbook.xml.rels"] = rels.encode()
    ctx = p["[Content_Types].xml"].decode().replace(
        "</Types>", f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.{ct}" /></Types>')
    p["[Content_Types].xml"] = ctx.encode()
    return p


def _indicator_rows(first: int, n: int, actual: str) -> str:
    return "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>产出指标</t></is></c><c r="C{r}" t="inlineStr"><is><t>数量指标</t></is></c><c r="D{r}" t="inlineStr"><is><t>指标{r}</t></is></c><c r="E{r}" t="inlineStr"><is><t>≥1个</t></is></c><c r="F{r}" t="inlineStr"><is><t>{actual}</t></is></c><c r="G{r}"><v>0.01</v></c><c r="H{r}"><v>0.01</v></c></row>' for r in range(first, first + n))


def many_indicators(n: int, actual: str = "1个") -> dict[str, bytes]:
    """examples/06 with ``n`` more rows (target ≥1个, ``actual`` as given, weight and score 0.01).

    With the default "1个" they go below the table, where no form reads them (the size
    attack); with any other ``actual`` they are inserted into the indicator table above
    总分, so each one is an indicator the form claims 0.01 for and did not meet."""
    p = parts()
    x = p[S].decode()
    if actual == "1个":
        x = x.replace("</sheetData>", _indicator_rows(30, n, actual) + "</sheetData>")
        end = 30 + n
    else:
        total = x[x.index('<row r="21"'):x.index("</sheetData>")]
        moved = total.replace('r="21"', f'r="{21 + n}"').replace('21"', f'{21 + n}"')
        x = x.replace(total, _indicator_rows(21, n, actual) + moved)
        x = x.replace('<mergeCell ref="A21:F21" />', f'<mergeCell ref="A{21 + n}:F{21 + n}" />')
        end = 21 + n
    x = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:I{end}"', x)
    p[S] = x.encode()
    return p


def build(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []

    def W(name, p):
        made.append(write(out / name, p))

    # 1 strict OOXML namespaces
    p = parts()
    for k in list(p):
        if k.endswith(".xml") or k.endswith(".rels"):
            t = p[k].decode()
            t = t.replace(NS_T, "http://purl.oclc.org/ooxml/spreadsheetml/main")
            t = t.replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships")
            p[k] = t.encode()
    W("a01_strict_ooxml.xlsx", p)

    # 2 the only listed sheet is a chartsheet
    p = parts()
    p[S] = (b'<chartsheet xmlns="' + NS_T.encode() + b'" xmlns:r="' + NS_R.encode() + b'"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>')
    W("a02_chartsheet_only.xlsx", p)
    # 3 a dialogsheet listed first containing a form-like text, real form second
    p = parts()
    add_sheet(p, "对话框", b'<dialogsheet xmlns="' + NS_T.encode() + '"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>项目支出绩效自评表</t></is></c></row></sheetData></dialogsheet>'.encode(),
              root_rel="dialogsheet", ct="dialogsheet+xml")
    W("a03_dialogsheet.xlsx", p)
    # 4 duplicate sheet names differing in case / width, both forms with different names
    p = parts()
    s2 = p[S].decode().replace("2024年度信访法律咨询服务项目（示例）", "另一个项目B").encode()
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace("自评表".encode(), b"Form")
    add_sheet(p, "FORM", s2)
    W("a04_dup_sheet_case.xlsx", p)
    p = parts()
    add_sheet(p, "自评表", s2)  # exact duplicate name (Excel forbids)
    W("a05_dup_sheet_exact.xlsx", p)
    p = parts()
    add_sheet(p, "自評表", s2)
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace("自评表".encode(), "ＦＯＲＭ".encode(), 1)
    W("a06_dup_sheet_fullwidth.xlsx", p)
    # 7 workbook.xml pointing to a missing part
    p = parts()
    add_sheet(p, "缺失", b"", part="xl/worksheets/sheet9.xml")
    del p["xl/worksheets/sheet9.xml"]
    W("a07_missing_part.xlsx", p)
    # 7b workbook has rel id not in rels
    p = parts()
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace(b'r:id="rId1"', b'r:id="rId77"')
    W("a07b_missing_rel.xlsx", p)
    # 8 sharedStrings with rich runs and phonetic runs; project name with phonetic guide
    p = parts()
    sst = (f'<sst xmlns="{NS_T}" count="3" uniqueCount="3">' +
           '<si><r><t>2024年度</t></r><r><rPr><b/></rPr><t>信访法律</t></r><r><t>咨询项目</t></r>'
           '<rPh sb="0" eb="2"><t>ニセンニジュウヨン</t></rPh><phoneticPr fontId="1"/></si>'
           '<si><t>50</t><rPh sb="0" eb="1"><t>999</t></rPh></si>'
           '<si><t xml:space="preserve"> 某区信访办公室 </t></si></sst>')
    p["xl/sharedStrings.xml"] = sst.encode()
    p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rId8" /></Relationships>')
    p["[Content_Types].xml"] = p["[Content_Types].xml"].replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
    cell(p, "B3", '<c r="B3" s="4" t="s"><v>0</v></c>')
    cell(p, "G4", '<c r="G4" s="6" t="s"><v>2</v></c>')
    W("a08_rich_phonetic_sst.xlsx", p)
    # 9 full-width digits as text in money cells
    p = parts()
    cell(p, "E6", istr("E6", "５０"))
    cell(p, "F6", istr("F6", "４７．５"))
    W("a09_fullwidth_digits.xlsx", p)
    # 9b Arabic-Indic / superscript digits
    p = parts()
    cell(p, "E6", istr("E6", "٥٠"))
    cell(p, "F6", istr("F6", "⁴⁷.5"))
    W("a09b_other_digits.xlsx", p)
    # 10 date in a score column (score cell with date number format) + 1904 system
    p = parts()
    x = p[S].decode()
    x = re.sub(r'(<c r="I6" s=")\d+(")', r"\g<1>8\2", x)
    p[S] = x.encode()
    st = p["xl/styles.xml"].decode()
    m = re.search(r'<cellXfs count="(\d+)">', st)
    n = int(m.group(1))
    st = st.replace(m.group(0), f'<cellXfs count="{n+1}">').replace("</cellXfs>", '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>')
    p["xl/styles.xml"] = st.encode()
    p = sheet_sub(p, '<c r="I6" s="8" t="n"><v>9.5</v>', '<c r="I6" s="8" t="n"><v>45300</v>') if '<c r="I6" s="8" t="n"><v>9.5</v>' in p[S].decode() else p
    W("a10_date_in_score.xlsx", p)
    p2 = dict(p)
    p2["xl/workbook.xml"] = p2["xl/workbook.xml"].replace(b"<workbookPr />", b'<workbookPr date1904="1" />')
    W("a11_date1904.xlsx", p2)
    # 12 hidden and veryHidden sheet holding a second form
    for state in ("hidden", "veryHidden"):
        p = parts()
        add_sheet(p, "自评表(2)", s2, state=state)
        W(f"a12_{state}_second_form.xlsx", p)
    # 13 overlapping merged cells
    p = parts()
    x = p[S].decode()
    if "<mergeCells" in x:
        x = re.sub(r"<mergeCells[^>]*>", '<mergeCells count="99"><mergeCell ref="A1:I30"/><mergeCell ref="B3:I3"/><mergeCell ref="A3:C20"/>', x, count=1)
    else:
        x = x.replace("</sheetData>", '</sheetData><mergeCells count="3"><mergeCell ref="A1:I30"/><mergeCell ref="B3:I3"/><mergeCell ref="A3:C20"/></mergeCells>')
    p[S] = x.encode()
    W("a13_overlapping_merges.xlsx", p)
    # 14 cached errors in money and score cells
    p = parts()
    cell(p, "E6", '<c r="E6" s="6" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    cell(p, "I6", '<c r="I6" s="6" t="e"><f>#REF!</f><v>#REF!</v></c>')
    W("a14_cached_errors.xlsx", p)
    # 14b formula whose cached value is a string starting with = and a DDE formula
    p = parts()
    cell(p, "B3", '<c r="B3" s="4" t="str"><f>"=cmd|\'/C calc\'!A0"</f><v>=cmd|\'/C calc\'!A0</v></c>')
    cell(p, "G4", '<c r="G4" s="6" t="str"><f>CONCAT("@SUM(1+1)","")</f><v>@SUM(1+1)*cmd|\' /C calc\'!A0</v></c>')
    W("a14b_formula_string_injection.xlsx", p)
    # 15 injection texts in project/unit name
    for i, name in enumerate(["=HYPERLINK(\"http://evil/\",\"点我\")", "\t=1+2", "\r=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\u202e项目lsx.exe", "项目\x1b]8;;http://evil\x07点\x1b]8;;\x07"]):
        p = parts()
        nm = name.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        nm = nm.replace("\x1b", "&#x1b;") if False else nm
        cell(p, "B3", f'<c r="B3" s="4" t="inlineStr"><is><t xml:space="preserve">{nm}</t></is></c>')
        cell(p, "G4", f'<c r="G4" s="6" t="inlineStr"><is><t xml:space="preserve">{nm}单位</t></is></c>')
        try:
            W(f"a15_inject_{i}.xlsx", p)
        except Exception as e:  # noqa: BLE001
            print("skip", i, e)
    # 16 10,000-row indicator table
    W("a16_10000_indicators.xlsx", many_indicators(10_000))
    # 16b 10,000 indicators, none met (one finding and one mark each)
    W("a16b_10000_unmet.xlsx", many_indicators(10_000, actual="0个"))
    # 17 .ods / .xlsb renamed: plain-zip ods with mimetype
    ods = out / "a17_ods_renamed.xlsx"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    made.append(ods)
    # 18 sheet name with quote, bracket, leading = (for hyperlinks in 校验结果)
    p = parts()
    p["xl/workbook.xml"] = p["xl/workbook.xml"].replace("自评表".encode(), "自评'表]=A1!#".encode().replace(b"'", b"&apos;"))
    W("a18_sheet_name_quote.xlsx", p)
    # 19 NFC vs NFD names: same content, file names differ only in normalisation; project names NFD
    nfc = "2024年度é项目"
    p = parts()
    cell(p, "B3", istr("B3", unicodedata.normalize("NFD", nfc), 4))
    W("a19_nfd_name.xlsx", p)
    return made


def dup_corpus(out: Path) -> None:
    """merge-shaped folder: duplicates, nested, NFC/NFD file names, case collision, junk."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "sub" / "deeper").mkdir(parents=True, exist_ok=True)
    shutil.copy(BASE, out / "原件.xlsx")
    shutil.copy(BASE, out / "sub" / "原件 - 副本.xlsx")
    shutil.copy(BASE, out / "sub" / "deeper" / "ORIGINAL.XLSX")
    name = "é项目.xlsx"
    shutil.copy(BASE, out / unicodedata.normalize("NFC", name))
    shutil.copy(BASE, out / unicodedata.normalize("NFD", name))
    shutil.copy(ROOT / "examples" / "01_信访宣传项目经费.xlsx", out / "Case.xlsx")
    shutil.copy(ROOT / "examples" / "02_信访工作经费.xlsx", out / "case.xlsx")
    (out / "notes.txt").write_text("hello")
    (out / "~$原件.xlsx").write_bytes(b"\x00" * 165)
    (out / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    (out / "empty.xlsx").write_bytes(b"")
    (out / "\u202egnp.xlsx").write_bytes(BASE.read_bytes())
    (out / ("长" * 80 + ".xlsx")).write_bytes(BASE.read_bytes())


if __name__ == "__main__":
    d = Path(sys.argv[1])
    for f in build(d / "files"):
        print(f.name)
    dup_corpus(d / "merge_dir")

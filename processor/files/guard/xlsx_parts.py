"""What the parts of an .xlsx package will cost the readers, measured before they run.

Every member that looks like XML is read once by expat (C, linear time, no DTD: a
declaration stops the parse) and classified by its **root element**, never by its name —
readers find parts through relationships and content types, so a worksheet called
``xl/x.bin`` is still a worksheet:

- a worksheet (``worksheet``, ``dialogsheet``, ``macrosheet``, any prefix): the real
  position of every cell — its ``r`` attribute, else its place in the row (as both
  python-calamine and openpyxl count) — bounds the used rectangle each reader allocates
  (J538); cells and rows (J537), characters of text (J540), merged ranges (J541) and
  hyperlinks (J542) are added up, and the shared strings each cell refers to are tallied;
- shared strings (``sst``): the entries and the ``uniqueCount`` calamine allocates for
  (J539), and each entry's length, so that text expanded by references is known (J540);
- styles (``styleSheet``): format records (J543) and the part's size (J544);
- anything else (drawings, charts, comments, external links …): only its size (J544),
  since openpyxl parses these whole.

Binary members (images, embeddings, ``vbaProject.bin``) are added up as media (J545).
Cells must sit inside rows and may not nest: neither Excel nor any library writes that,
and the nested form is what makes naive parsers slow.
"""

from __future__ import annotations

import re
from collections import Counter
from xml.parsers import expat

from jixiao.processor.files.guard.cellrefs import column_number, parse_cell, range_cells
from jixiao.processor.files.guard.limits import (
    Limits,
    Refusal,
    damaged,
    part_name,
    too_big,
    too_many,
)
from jixiao.processor.files.guard.prolog import PLAIN_PROLOG, Prolog, attack
from jixiao.processor.files.guard.sheet_pieces import scan_proven
from jixiao.processor.files.guard.sheet_scan import SheetFigures, scan
from jixiao.processor.files.guard.xml_parser import Stop as _Stop
from jixiao.processor.files.guard.xml_parser import new_parser, well_formed

SHEET_ROOTS = frozenset({"worksheet", "dialogsheet", "macrosheet"})
# the usual reference (Excel's grid: up to 3 letters, 7 digits); anything else goes through
# parse_cell. Bounded repetitions on a short attribute: no backtracking to speak of.
_PLAIN_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
STYLE_RECORDS = frozenset({"xf", "font", "fill", "border", "numFmt", "dxf", "cellStyle"})
RISKY_FUNCTIONS = (b"WEBSERVICE(", b"FILTERXML(")
_ROOT_NAME = re.compile(rb"<([^\s<>/]{1,200})")
_RISKY_KEEP = 16  # bytes kept across chunk borders for the risky-function search



# expat's own error texts are English; the reasons a damaged workbook part usually shows
_EXPAT_REASONS = {expat.errors.codes[getattr(expat.errors, f"XML_ERROR_{name}")]: reason for name, reason in (
    ("SYNTAX", "语法错误"),
    ("NO_ELEMENTS", "没有内容"),
    ("INVALID_TOKEN", "含有不允许的字符或标记"),
    ("UNCLOSED_TOKEN", "标记没有结束（文件被截断？）"),
    ("PARTIAL_CHAR", "字符不完整（文件被截断？）"),
    ("TAG_MISMATCH", "开始与结束标记不配对"),
    ("DUPLICATE_ATTRIBUTE", "同一属性写了两次"),
    ("JUNK_AFTER_DOC_ELEMENT", "正文结束后还有多余内容"),
    ("UNDEFINED_ENTITY", "使用了未定义的实体"),
    ("BAD_CHAR_REF", "字符引用无效"),
    ("UNBOUND_PREFIX", "使用了未声明的命名空间前缀"),
    ("INCORRECT_ENCODING", "声明的编码与内容不符"),
    ("UNKNOWN_ENCODING", "无法识别的编码"),
)}


def expat_reason(code: int) -> str:
    """A Chinese reason for an expat error code (its own texts are English)."""
    return _EXPAT_REASONS.get(code, f"格式错误（解析器代码 {code}）")

def looks_like_xml(head: bytes) -> bool:
    """True when a member starts like an XML document (any BOM, UTF-8/16)."""
    h = head.lstrip(b" \t\r\n")
    return h.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or h[1:2] == b"\x00" and h[:1] == b"<"


def local(name: str) -> str:
    return name.rpartition(":")[2]


class Package:
    """Totals over the whole package, checked as they grow."""

    def __init__(self, lim: Limits, sheet_names: dict[str, str] | None = None, *, exact: bool = False):
        self.lim = lim
        #: measure every worksheet with the expat pass (the reference the fast scan is
        #: tested against) rather than with :mod:`.sheet_scan` where it can
        self.exact = exact
        self.fast_sheets = 0  # worksheets the fast scan measured
        self.sheet_names = sheet_names or {}
        self.cells = 0
        self.area = 0
        self.text = 0  # characters met directly in worksheets (inline text, formulas, values)
        self.merged = 0
        self.links = 0
        self.styles = 0  # format records counted …
        self.styles_bound = 0  # … and at most this many more in parts too small to count
        self.media = 0
        self.refs: Counter[int] = Counter()  # shared-string index → cells referring to it
        #: each sst part: the length of every entry, or the part itself while no reference
        #: count could make its entries matter (measured only if one does, see finish)
        self.string_tables: list[list[int] | bytes] = []
        self.risky: set[str] = set()
        #: worksheet part → {A1: "=…"}: formula cells saved without a cached value
        self.formulas: dict[str, dict[str, str]] = {}

    def sheet_label(self, part: str) -> str:
        return part_name(self.sheet_names.get(part.lower(), part))

    def add_media(self, name: str, size: int) -> None:
        self.media += size
        if self.media > self.lim.max_media_bytes:
            raise too_big("J545", self.media, self.lim.max_media_bytes)

    def expanded_text(self) -> int:
        """Characters the readers materialise: direct text plus every shared-string reference
        at the referenced entry's length (the largest if several string tables exist)."""
        best = 0
        for k, table in enumerate(self.string_tables):
            lengths = self.string_tables[k] = entry_lengths(table) if isinstance(table, bytes) else table
            n = len(lengths)
            best = max(best, sum(count * lengths[i] for i, count in self.refs.items() if i < n))
        return self.text + best

    def fits(self, fig: SheetFigures) -> bool:
        """Whether a worksheet with these figures stays within every limit (else the exact
        pass measures it again and refuses it with its own words)."""
        lim = self.lim
        return (self.cells + fig.cells <= lim.max_cell_elements and self.text + fig.text <= lim.max_text_chars
                and self.merged + fig.merged <= lim.max_merged_cells
                and self.links + fig.links <= lim.max_hyperlink_cells
                and fig.area <= lim.max_cells and self.area + fig.area <= lim.max_cells)

    def add_sheet(self, part: str, fig: SheetFigures) -> None:
        """A worksheet measured by the fast scan (after :meth:`fits`)."""
        self.cells += fig.cells
        self.text += fig.text
        self.merged += fig.merged
        self.links += fig.links
        self.area += fig.area
        self.refs.update(fig.refs)
        if fig.formulas:
            self.formulas[part] = fig.formulas
        self.fast_sheets += 1

    def admit(self, name: str, root: str, declared: int) -> bool:
        """A part that is neither a worksheet nor a string table, by its root element: its size
        (J544) and, for styles, whether its size alone bounds its format records under the
        limit (an element takes at least 4 bytes, ``<a/>``: then expat alone parses it, with
        no Python call per element). False: its records must be counted (``_Styles``)."""
        lim = self.lim
        if declared > lim.max_xml_part_bytes:
            raise too_big("J544", declared, lim.max_xml_part_bytes, part=part_name(name))
        if root == "styleSheet":
            bound = declared // 4
            if self.styles + self.styles_bound + bound > lim.max_styles:
                return False
            self.styles_bound += bound
        return True

    def figures(self) -> dict[str, object]:
        """Every total measured, for tests and benchmarks."""
        return {"cells": self.cells, "area": self.area, "text": self.text, "merged": self.merged,
                "links": self.links, "styles": self.styles, "styles_bound": self.styles_bound,
                "media": self.media, "refs": dict(self.refs), "risky": sorted(self.risky),
                "formulas": self.formulas, "fast_sheets": self.fast_sheets}

    def finish(self) -> None:
        # no entry is longer than its part: most packages are cleared without measuring them
        refs = sum(self.refs.values())
        longest = max((len(t) if isinstance(t, bytes) else max(t, default=0) for t in self.string_tables), default=0)
        if self.text + refs * longest <= self.lim.max_text_chars:
            return
        total = self.expanded_text()
        if total > self.lim.max_text_chars:
            raise too_many("J540", total, self.lim.max_text_chars)


class XmlPart:
    """One XML member, fed in chunks: the prolog check, then expat on the content."""

    def __init__(self, pkg: Package, name: str, declared: int):
        self.pkg = pkg
        self.name = name
        self.declared = declared
        self.prolog = Prolog(name)
        self.parser = new_parser()
        self.parser.StartElementHandler = self._root
        self.stopped = False
        self.sheet: _Sheet | None = None
        self.carry = b""
        self.whole: bytes | None = None  # the part, when it is fed in one piece
        self.fed = False
        #: once fed without a refusal, what a part that is neither a worksheet nor a string
        #: table came to: "styleSheet" (parsed whole by expat alone) or "other" (its root
        #: element was all that was needed); None for anything else. The same bytes always
        #: come to the same outcome, and :meth:`Package.admit` replays it.
        self.outcome: str | None = None

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if final and not self.fed and PLAIN_PROLOG.match(chunk):
            self.prolog.done = True  # UTF-8 and the root right after the declaration: no DTD
            if not self.pkg.exact and self._fast_sheet(chunk):
                return
        self.prolog.feed(chunk)
        if final:
            self.prolog.finish()
        if self.stopped:
            return
        self.whole = chunk if final and not self.fed else None
        self.fed = True
        try:
            self.parser.Parse(chunk, final)
        except _Stop as stop:
            if str(stop) == "dtd":
                raise attack(self.name, "文档类型声明（DOCTYPE）") from None
            self.stopped = True
        except expat.ExpatError as exc:
            raise damaged(f"工作簿内的“{part_name(self.name)}”不是有效的 XML"
                          f"（第 {exc.lineno} 行第 {exc.offset + 1} 列：{expat_reason(exc.code)}）") from None
        except ValueError:  # an encoding expat does not know (the prolog check names most)
            raise damaged(f"工作簿内的“{part_name(self.name)}”使用了无法识别的编码") from None
        if self.sheet is not None:
            self._risky(chunk)
            if final:
                self.sheet.finish()

    def _fast_sheet(self, data: bytes) -> bool:
        """A worksheet fed whole: :func:`.sheet_pieces.scan_proven` proves it well formed
        (expat, piece by piece, without a Python call per element) and measures it; where
        it cannot (mostly new rows), expat parses the whole part and :func:`.sheet_scan.scan`
        measures it. False (nothing counted): not a worksheet, or one the exact pass must
        measure (damaged, unusual, beyond a limit)."""
        root = _ROOT_NAME.match(data, PLAIN_PROLOG.match(data).end() - 2)  # type: ignore[union-attr]
        if root is None or local(root[1].decode("utf-8", "replace")) not in SHEET_ROOTS:
            return False
        fig = scan_proven(data, root.start())
        if fig is None and well_formed(data):  # expat over the whole part, then the scan
            fig = scan(data, root.start())
        if fig is None or not self.pkg.fits(fig):
            return False
        self._risky(data)
        self.pkg.add_sheet(self.name, fig)
        self.fed = self.stopped = True
        return True

    def _risky(self, chunk: bytes) -> None:
        window = self.carry + chunk[:_RISKY_KEEP] if self.carry else b""
        for fn in RISKY_FUNCTIONS:
            label = fn[:-1].decode()
            if label not in self.pkg.risky and (fn in chunk or fn in window):
                self.pkg.risky.add(label)
        self.carry = chunk[-_RISKY_KEEP:]

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        root = local(name)
        lim = self.pkg.lim
        if root in SHEET_ROOTS:
            self.sheet = _Sheet(self.pkg, self.name, self.parser)
            return
        # An element takes at least 4 bytes (<a/>): a part fed whole whose size bounds its
        # entries or records under the limit is parsed by expat alone (well-formed, no DTD),
        # without a Python call per element.
        bound = self.declared // 4
        if root == "sst":
            _declared_count(attrs, lim.max_shared_strings)
            if self.whole is not None and bound <= lim.max_shared_strings:
                self.pkg.string_tables.append(bytes(self.whole))
                self.parser.StartElementHandler = None
            else:
                self.pkg.string_tables.append(_SharedStrings(self.pkg, self.parser).lengths)
            return
        if not self.pkg.admit(self.name, root, self.declared):
            _Styles(self.pkg, self.parser)
            return
        self.outcome = root if root == "styleSheet" else "other"
        if root == "styleSheet":
            self.parser.StartElementHandler = None
            return
        raise _Stop("done")


class _Sheet:
    """Cells, rows, merged ranges and hyperlinks of one worksheet, and its formula cells
    saved without a cached value (for :mod:`jixiao.processor.files.formula_cells`).

    Positions follow both readers: a row's ``r`` sets the row (python-calamine ignores an
    empty ``<row r=…/>``, openpyxl does not, so a row without ``r`` is bounded by 1 below
    and by one past the highest row seen above); a cell's ``r`` sets its place exactly,
    otherwise it is the next column of its row (bounded by 1 below, by its count above).

    The handlers run once per element of sheets with hundreds of thousands of cells, so
    the common case (a plain ``<c r="B7">``, its ``<v>``) takes a short path: a reference
    seen before is a dictionary look-up, character data is kept only where it is needed.
    """

    def __init__(self, pkg: Package, name: str, parser: expat.XMLParserType):
        self.pkg = pkg
        self.name = name
        self.max_cells = pkg.lim.max_cell_elements - pkg.cells  # what this sheet may add
        self.max_text = pkg.lim.max_text_chars - pkg.text
        self.cells = 0
        self.text = 0
        self.rows_hi = 0  # the highest row number any reader can be on
        self.row_exact: int | None = None  # the current row's own r
        self.col_hi = 1  # the highest column the next cell without r can take
        self.box = [0, 0, -1, -1]  # min row, min col, max row, max col (empty: max < min)
        self.in_row = False
        self.in_cell = False
        self.ref: str | None = None  # the current cell's r
        self.shared = False  # the current cell is t="s"
        self.error = False  # the current cell is t="e" (an Excel error such as #DIV/0!)
        self.formula: list[str] | None = None  # text of its <f>; None: the cell has none
        self.cached = False  # its <v> holds a value
        self.into: list[str] | None = None  # where character data is kept now (<v> or <f> text)
        self.merged = 0
        self.links = 0
        #: A1 → "=…" for formula cells without a cached value, or the error literal
        #: ("#DIV/0!") of a cell holding an error: calamine reads both as empty
        self.formulas: dict[str, str] = {}
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars

    def _see(self, r1: int, c1: int, r2: int, c2: int) -> None:
        b = self.box
        if b[2] < b[0]:
            b[:] = [r1, c1, r2, c2]
            return
        if r1 < b[0]:
            b[0] = r1
        if c1 < b[1]:
            b[1] = c1
        if r2 > b[2]:
            b[2] = r2
        if c2 > b[3]:
            b[3] = c2

    def _misplaced(self, what: str) -> Refusal:
        return damaged(f"工作表“{self.pkg.sheet_label(self.name)}”的结构无效（{what}）")

    def _count(self) -> None:
        """One more cell or row element (J537)."""
        self.cells += 1
        if self.cells > self.max_cells:
            raise too_many("J537", self.pkg.cells + self.cells, self.pkg.lim.max_cell_elements)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "c" or name.endswith(":c"):
            if self.in_cell or not self.in_row:
                raise self._misplaced("单元格不在行内或相互嵌套")
            self._count()
            self.in_cell = True
            ref = self.ref = attrs.get("r")
            pos = _REFS.get(ref) if ref is not None else None
            if pos is None:
                pos = _position(ref)
            row, col = pos
            b = self.box
            if row:
                if not (b[0] <= row <= b[2] and b[1] <= col <= b[3]):
                    self._see(row, col, row, col)
                if col >= self.col_hi:
                    self.col_hi = col + 1
            elif self.row_exact is not None:
                self._see(self.row_exact, 1, self.row_exact, self.col_hi)
                self.col_hi += 1
            else:
                self._see(1, 1, max(self.rows_hi, 1), self.col_hi)
                self.col_hi += 1
            kind = attrs.get("t")
            self.shared = kind == "s"
            self.error = kind == "e"
            return
        tag = name if ":" not in name else name.rpartition(":")[2]
        if tag == "v":
            if self.shared or self.error or self.formula is not None:
                self.into = []
        elif tag == "f":
            if self.in_cell:
                self.formula = self.into = []
        elif tag == "row":
            self._row(attrs)
        elif tag == "mergeCell":
            self.merged += self._covered("merged", "J541", self.pkg.lim.max_merged_cells, self.merged, attrs)
        elif tag == "hyperlink":
            self.links += self._covered("links", "J542", self.pkg.lim.max_hyperlink_cells, self.links, attrs)

    def _covered(self, total: str, code: str, limit: int, own: int, attrs: dict[str, str]) -> int:
        """Cells a merged range or a hyperlink covers, added to the package's ``total``."""
        n = range_cells(attrs.get("ref"))
        now = getattr(self.pkg, total) + n
        setattr(self.pkg, total, now)
        if now > limit:
            raise too_many(code, now, limit, sheet=self.pkg.sheet_label(self.name),
                           scope="" if own + n == now else "（连同此前各工作表）")
        return n

    def _row(self, attrs: dict[str, str]) -> None:
        if self.in_row or self.in_cell:
            raise self._misplaced("行相互嵌套")
        self._count()
        self.in_row = True
        r = attrs.get("r")
        row = int(r) if r is not None and r.isdigit() and r.isascii() and len(r) <= 12 else 0
        if row:
            self.row_exact = row
            if row > self.rows_hi:
                self.rows_hi = row
        else:
            self.row_exact = None
            self.rows_hi += 1
        self.col_hi = 1

    def end(self, name: str) -> None:
        if name == "c" or name.endswith(":c"):
            if self.formula is not None:
                self._formula_end()
            self.in_cell = self.shared = self.error = False
            return
        if self.into is not None:
            tag = name if ":" not in name else name.rpartition(":")[2]
            if tag == "v":
                self._value_end(self.into)
            elif tag == "f":
                self.into = None
        elif name == "row" or name.endswith(":row"):
            self.in_row = False
            self.row_exact = None

    def _value_end(self, text: list[str]) -> None:
        value = "".join(text).strip()
        self.into = None
        if self.formula is not None and value:
            self.cached = True
        if self.shared and value.isdigit() and value.isascii() and len(value) < 12:
            self.pkg.refs[int(value)] += 1
        elif self.error and self.ref and value.startswith("#") and len(value) <= 16:
            self.formulas[self.ref] = value

    def _formula_end(self) -> None:
        if self.ref and not self.cached:
            text = "".join(self.formula or ())
            self.formulas[self.ref] = "=" + text if text else "=（共享公式）"
        self.formula, self.cached, self.into = None, False, None

    def chars(self, data: str) -> None:
        if self.in_cell:
            self.text += len(data)
            if self.text > self.max_text:
                raise too_many("J540", self.pkg.text + self.text, self.pkg.lim.max_text_chars)
            if self.into is not None:
                self.into.append(data)

    def finish(self) -> None:
        pkg = self.pkg
        pkg.cells += self.cells
        pkg.text += self.text
        if self.formulas:
            pkg.formulas[self.name] = self.formulas
        r1, c1, r2, c2 = self.box
        if r2 < r1:
            return
        rows, cols = r2 - r1 + 1, c2 - c1 + 1
        area = rows * cols
        lim = pkg.lim
        pkg.area += area
        if area > lim.max_cells or pkg.area > lim.max_cells:
            raise Refusal("J538", sheet=pkg.sheet_label(self.name), rows=rows, cols=cols, found=area,
                          limit=lim.max_cells, scope="" if area > lim.max_cells else "连同此前各工作表")


#: cell reference → (row, column), shared by every sheet of every file a process reads:
#: forms use the same few hundred references, so most cells cost one look-up
_REFS: dict[str, tuple[int, int]] = {}
_REFS_MAX = 1 << 16


def _position(ref: str | None) -> tuple[int, int]:
    """(row, column) of a cell's ``r``; (0, 0) when it has none or it is no reference."""
    if ref is None:
        return (0, 0)
    m = _PLAIN_REF.fullmatch(ref)
    if m is not None:
        pos = (int(m[2]), column_number(m[1]))
    else:
        pos = parse_cell(ref) or (0, 0)
    if len(ref) <= 12:  # a real reference, not a hostile attribute
        if len(_REFS) >= _REFS_MAX:
            _REFS.clear()
        _REFS[ref] = pos
    return pos


def _declared_count(attrs: dict[str, str], limit: int) -> None:
    """The ``uniqueCount`` a shared-string table declares (calamine allocates for it, J539)."""
    for key, value in attrs.items():
        if local(key) == "uniqueCount":
            text = value.strip().lstrip("+")
            if text.isdigit() and text.isascii() and int(text[:20]) > limit:
                raise too_many("J539", int(text[:20]), limit, what="表声明的条数（uniqueCount）为")


def entry_lengths(sst: bytes) -> list[int]:
    """The length of every entry of a shared-string part the guard has already parsed."""
    parser = new_parser()
    table: list[_SharedStrings] = []
    parser.StartElementHandler = lambda _name, _attrs: table.append(_SharedStrings(None, parser))
    parser.Parse(sst, True)
    return table[0].lengths if table else []


class _SharedStrings:
    """Entries of a shared-string table, their lengths (and their count, J539)."""

    def __init__(self, pkg: Package | None, parser: expat.XMLParserType):
        self.pkg = pkg
        self.lengths: list[int] = []
        parser.StartElementHandler = self.start
        parser.CharacterDataHandler = self.chars

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        if local(name) == "si":
            self.lengths.append(0)
            if self.pkg is not None and len(self.lengths) > self.pkg.lim.max_shared_strings:
                raise too_many("J539", len(self.lengths), self.pkg.lim.max_shared_strings, what="共有")

    def chars(self, data: str) -> None:
        if self.lengths:
            self.lengths[-1] += len(data)


class _Styles:
    def __init__(self, pkg: Package, parser: expat.XMLParserType):
        self.pkg = pkg
        parser.StartElementHandler = self.start

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        if local(name) in STYLE_RECORDS:
            self.pkg.styles += 1
            if self.pkg.styles > self.pkg.lim.max_styles:
                raise too_many("J543", self.pkg.styles, self.pkg.lim.max_styles)

"""Adding checked forms to the archive and reading a year back.

``Archive.add`` runs as **one transaction**: every file, form, indicator and finding of the
call is kept, or — on any error — none. A file whose SHA-256 is already in the archive adds
nothing. A form of a project the archive already holds for the same year (same year, unit key
and project key, added by an earlier call) is kept as history and marked ``superseded_by``
the new one; the comparison reads only forms that are not superseded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone

from jixiao.processor import __version__
from jixiao.processor.archive import schema as s
from jixiao.processor.archive.db import Database, open_database
from jixiao.processor.archive.entry import FileEntry, FormEntry, FundingEntry, IndicatorEntry
from jixiao.processor.archive.match import Override, project_key, unit_key
from sqlalchemy import and_, exists, func, select, update

_FORM_COLUMNS = [f.name for f in fields(FormEntry)
                 if f.name not in ("funding", "indicators", "findings", "id", "file_name", "file_sha256")]
_IND_COLUMNS = [f.name for f in fields(IndicatorEntry)]


@dataclass
class AddReport:
    batch_id: int | None = None
    files_added: int = 0
    forms_added: int = 0
    files_known: list[str] = field(default_factory=list)  # names of files already in the archive
    superseded: int = 0  # earlier versions of the same projects now marked superseded

    def line(self) -> str:
        text = f"档案新增 {self.files_added} 个文件（{self.forms_added} 张自评表）"
        if self.files_known:
            text += f"，{len(self.files_known)} 个文件已在档案中（未重复存入）"
        if self.superseded:
            text += f"，{self.superseded} 张同一项目同一年度的旧版本标为已替代"
        return text + "。"


@dataclass
class YearCount:
    year: int | None
    forms: int
    units: int
    budget: float


class Archive:
    """A performance archive: a SQLite file or a PostgreSQL database."""

    def __init__(self, db: Database):
        self.db = db

    @classmethod
    def open(cls, target: str, *, create: bool = True) -> Archive:
        return cls(open_database(target, create=create))

    @property
    def label(self) -> str:
        return self.db.label

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def add(self, entries: Sequence[FileEntry], *, command: str, sources: Sequence[str] = (),
            profile: str = "default") -> AddReport:
        report = AddReport()
        with self.db.writing() as conn:
            shas = [e.info.sha256 for e in entries]
            known = set()
            for chunk in _chunks(shas, 500):
                known |= set(conn.execute(select(s.files.c.sha256).where(s.files.c.sha256.in_(chunk))).scalars())
            todo, seen = [], set()
            for e in entries:
                if e.info.sha256 in known or e.info.sha256 in seen:
                    report.files_known.append(e.info.name)
                else:
                    seen.add(e.info.sha256)
                    todo.append(e)
            if not todo:
                return report
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            batch = conn.execute(s.batches.insert().returning(s.batches.c.id), {
                "added_at": now, "command": command, "sources": json.dumps(list(sources), ensure_ascii=False),
                "profile": profile, "jixiao_version": __version__}).scalar_one()
            report.batch_id = batch
            file_ids = conn.execute(
                s.files.insert().returning(s.files.c.id, sort_by_parameter_order=True),
                [{**vars(e.info), "batch_id": batch} for e in todo]).scalars().all()
            pairs = [(fid, f) for fid, e in zip(file_ids, todo) for f in e.forms]
            form_ids: list[int] = []
            if pairs:
                form_ids = conn.execute(
                    s.forms.insert().returning(s.forms.c.id, sort_by_parameter_order=True),
                    [_form_row(f, fid, batch) for fid, f in pairs]).scalars().all()
            _insert(conn, s.funding, [{"form_id": i, **vars(x)} for i, (_, f) in zip(form_ids, pairs)
                                      for x in f.funding])
            _insert(conn, s.indicators, [{"form_id": i, **vars(x)} for i, (_, f) in zip(form_ids, pairs)
                                         for x in f.indicators])
            rows = [_finding_row(x, fid, i) for i, (fid, f) in zip(form_ids, pairs) for x in f.findings]
            rows += [_finding_row(x, fid, None) for fid, e in zip(file_ids, todo) for x in e.findings]
            _insert(conn, s.findings, rows)
            report.superseded = _supersede(conn, batch)
            report.files_added, report.forms_added = len(todo), len(pairs)
        return report

    def set_overrides(self, overrides: Sequence[Override]) -> None:
        """Replace the stored override rows (used by merge and compare) in one transaction."""
        with self.db.writing() as conn:
            conn.execute(s.overrides.delete())
            _insert(conn, s.overrides, [vars(o) for o in overrides])

    # ------------------------------------------------------------------ reading

    def overrides(self) -> list[Override]:
        with self.db.reading() as conn:
            rows = conn.execute(select(s.overrides).order_by(s.overrides.c.id)).mappings().all()
        return [Override(**{k: v for k, v in r.items() if k != "id"}) for r in rows]

    def years(self) -> list[YearCount]:
        f = s.forms
        q = (select(f.c.year, func.count(), func.count(func.distinct(f.c.unit_key)),
                    func.coalesce(func.sum(f.c.budget), 0.0))
             .where(f.c.superseded_by.is_(None)).group_by(f.c.year).order_by(f.c.year))
        with self.db.reading() as conn:
            return [YearCount(y, n, u, float(b)) for y, n, u, b in conn.execute(q)]

    def info(self) -> dict[str, str]:
        with self.db.reading() as conn:
            rows = dict(conn.execute(select(s.info.c.key, s.info.c.value)).all())
            rows["files"] = str(conn.execute(select(func.count()).select_from(s.files)).scalar_one())
            rows["forms"] = str(conn.execute(select(func.count()).select_from(s.forms)).scalar_one())
            rows["batches"] = str(conn.execute(select(func.count()).select_from(s.batches)).scalar_one())
        return rows

    def forms(self, *years: int) -> dict[int, list[FormEntry]]:
        """The current (not superseded) forms of each year, with their indicators, in one snapshot."""
        out: dict[int, list[FormEntry]] = {y: [] for y in years}
        if not years:
            return out
        f, fi = s.forms, s.files
        cond = and_(f.c.year.in_(years), f.c.superseded_by.is_(None))
        with self.db.reading() as conn:
            rows = conn.execute(select(f, fi.c.name.label("file_name"), fi.c.sha256.label("file_sha256"))
                                .join(fi, fi.c.id == f.c.file_id).where(cond)
                                .order_by(f.c.year, f.c.unit_key, f.c.project_key, f.c.id)).mappings().all()
            inds: dict[int, list[IndicatorEntry]] = defaultdict(list)
            ind_q = (select(s.indicators).join(f, f.c.id == s.indicators.c.form_id).where(cond)
                     .order_by(s.indicators.c.form_id, s.indicators.c.position))
            for r in conn.execute(ind_q).mappings().all():
                inds[r["form_id"]].append(IndicatorEntry(**{k: r[k] for k in _IND_COLUMNS}))
            money: dict[int, list[FundingEntry]] = defaultdict(list)
            for r in conn.execute(select(s.funding).join(f, f.c.id == s.funding.c.form_id).where(cond)
                                  .order_by(s.funding.c.id)).mappings():
                money[r["form_id"]].append(FundingEntry(**{k: r[k] for k in
                                                           ("kind", "initial", "budget", "executed", "rate",
                                                            "rate_stated", "score_stated")}))
        for r in rows:
            entry = FormEntry(**{k: r[k] for k in _FORM_COLUMNS}, id=r["id"], file_name=r["file_name"],
                              file_sha256=r["file_sha256"], indicators=inds.get(r["id"], []),
                              funding=money.get(r["id"], []))
            out[r["year"]].append(entry)
        return out

    def form_ids_of_files(self, shas: Sequence[str]) -> dict[int, str]:
        """Current forms of the files with these hashes: form id → file hash."""
        out: dict[int, str] = {}
        with self.db.reading() as conn:
            for chunk in _chunks(list(shas), 500):
                q = (select(s.forms.c.id, s.files.c.sha256).join(s.files, s.files.c.id == s.forms.c.file_id)
                     .where(s.files.c.sha256.in_(chunk)))
                out.update(dict(conn.execute(q).all()))
        return out

    def unit_scores(self, years: Sequence[int]) -> list[tuple[int, str, str, int, float | None]]:
        """(year, unit key, a unit name, forms, mean computed score) of the current forms (the mean
        over the forms whose total could be computed; None when none could)."""
        f = s.forms
        q = (select(f.c.year, f.c.unit_key, func.max(f.c.unit), func.count(), func.avg(f.c.total_score))
             .where(f.c.year.in_(list(years)), f.c.superseded_by.is_(None))
             .group_by(f.c.year, f.c.unit_key).order_by(f.c.year, f.c.unit_key))
        with self.db.reading() as conn:
            return [(y, k, u, n, None if a is None else float(a)) for y, k, u, n, a in conn.execute(q)]

    def years_of_files(self, shas: Sequence[str]) -> set[int]:
        out: set[int] = set()
        with self.db.reading() as conn:
            for chunk in _chunks(list(shas), 500):
                q = (select(s.forms.c.year).join(s.files, s.files.c.id == s.forms.c.file_id)
                     .where(s.files.c.sha256.in_(chunk), s.forms.c.year.is_not(None)).distinct())
                out |= set(conn.execute(q).scalars())
        return out


def _form_row(f: FormEntry, file_id: int, batch: int) -> dict:
    row = {k: getattr(f, k) for k in _FORM_COLUMNS}
    row.update(file_id=file_id, batch_id=batch, project_key=project_key(f.project, f.year),
               unit_key=unit_key(f.unit, f.department))
    return row


def _finding_row(x, file_id: int, form_id: int | None) -> dict:
    return {"file_id": file_id, "form_id": form_id, "code": x.code, "severity": x.severity, "sheet": x.sheet,
            "cell": x.cell, "message": x.message, "fix": x.fix,
            "params": json.dumps(x.params, ensure_ascii=False, default=str)}


def _insert(conn, table, rows: list[dict]) -> None:
    for chunk in _chunks(rows, 5000):
        conn.execute(table.insert(), chunk)


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _supersede(conn, batch: int) -> int:
    """Mark earlier versions of the projects this batch brought: same year, unit key, project key."""
    old, new = s.forms, s.forms.alias("newer")
    same = and_(new.c.batch_id == batch, new.c.year == old.c.year, new.c.unit_key == old.c.unit_key,
                new.c.project_key == old.c.project_key, new.c.project_key != "")
    newest = select(func.max(new.c.id)).where(same).scalar_subquery()
    stmt = (update(old).where(old.c.batch_id != batch, old.c.superseded_by.is_(None), old.c.year.is_not(None),
                              exists().where(same))
            .values(superseded_by=newest))
    return conn.execute(stmt).rowcount or 0

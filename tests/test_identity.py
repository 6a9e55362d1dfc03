"""One project-identity rule for collect and merge (docs/汇总说明.md, “重复的判断”)."""

from __future__ import annotations

import os
from pathlib import Path

from hostile_corpus import write_minimal_form
from jixiao.processor.collect.checks import FileCheck, latest_per_project
from jixiao.processor.collect.manifest import ManifestEntry
from jixiao.processor.core.identity import project_identity
from jixiao.processor.core.rules import load_profile
from jixiao.processor.merge.run import merge


def test_identity_folds_spaces_width_and_case():
    a = project_identity("２０２４年度 信访 ＡＰＰ 运维", "区信访办", 2024)
    assert a == project_identity("2024年度信访app运维", " 区信访办 ", 2024)
    assert a != project_identity("2024年度信访app运维", "区信访办", 2023)  # another year
    assert a != project_identity("2024年度信访app运维", "区教委", 2024)  # another unit
    assert project_identity("", "区信访办", 2024) is None  # no name: no identity
    assert project_identity("  ", "区信访办", 2024) is None


PAIRS = [  # (first version, second version, one project?)
    (("２０２４年度 信访经费", "区信访办"), ("2024年度信访经费", "区信访办"), True),
    (("2024年度信访经费", "区信访办"), ("2024年度信访经费", "区教委"), False),
    (("", "区信访办"), ("", "区信访办"), False),
]


def _fc(name: str, unit: str, received: str) -> FileCheck:
    e = ManifestEntry(status="saved", sender="a@b.cn", received=received, sha256=received, saved_path=received)
    return FileCheck(entry=e, path=Path(received), units=[unit], projects=[name], years=[2024])


def test_collect_and_merge_tell_versions_apart_by_the_same_rule(tmp_path: Path):
    for k, ((n1, u1), (n2, u2), same) in enumerate(PAIRS):
        kept = latest_per_project([_fc(n1, u1, "2025-01-01T09:00:00+08:00"), _fc(n2, u2, "2025-01-02T09:00:00+08:00")])
        assert len(kept) == (1 if same else 2), (n1, u1, n2, u2)
        if same:
            assert kept[0].entry.received.startswith("2025-01-02")  # the newer one

        folder = tmp_path / f"case{k}"
        folder.mkdir()
        first = write_minimal_form(folder / "v1.xlsx", n1 or None, unit=u1, goal_actual="第一版")
        second = write_minimal_form(folder / "v2.xlsx", n2 or None, unit=u2, goal_actual="第二版")
        os.utime(first, (1_700_000_000, 1_700_000_000))
        os.utime(second, (1_700_100_000, 1_700_100_000))
        result = merge([folder], load_profile())
        status = {f.name: f.status for f in result.files}
        if n1 or n2:
            assert status == {"v1.xlsx": "duplicate" if same else "merged", "v2.xlsx": "merged"}, (n1, u1, n2, u2)
        else:  # forms without a name are never versions of each other
            assert "duplicate" not in status.values()

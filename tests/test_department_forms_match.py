"""Which project forms a 部门整体支出绩效自评表 is checked against (merge.department_forms.projects_of):
the definition (实施单位 or 主管部门 names the department, normalised; all projects for a lone
form that none names), and a cost linear in forms + projects, not their product."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from jixiao.processor.core import values
from jixiao.processor.merge import department_forms
from jixiao.processor.merge.department_forms import projects_of

# spellings that norm() makes equal or tells apart: full-width letters, spaces, blanks
NAMES = ["区信访办", "区信访办 ", "区 信访办", "ＡＢ局", "AB局", "区财政局", "", "  ", "区信访办公室"]


def form(unit: str) -> SimpleNamespace:
    return SimpleNamespace(unit=unit)


def project(i: int, unit: str, department: str) -> SimpleNamespace:
    return SimpleNamespace(i=i, row=SimpleNamespace(unit=unit, department=department))


def by_definition(rows, projects):
    """The rule as the module's docstring states it, one pair at a time."""
    out = []
    for row in rows:
        name = values.norm(row.unit)
        mine = [p for p in projects if name and name in (values.norm(p.row.unit), values.norm(p.row.department))]
        out.append(mine or (list(projects) if len(rows) == 1 else []))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NAMES), max_size=5),
       st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=30))
def test_the_same_projects_as_the_definition(units, pairs):
    rows = [form(u) for u in units]
    projects = [project(i, u, d) for i, (u, d) in enumerate(pairs)]
    assert projects_of(rows, projects) == by_definition(rows, projects)


def test_names_are_compared_once_each_not_per_pair(monkeypatch):
    """300 department forms × 2,000 projects: each name is normalised once (a pairwise scan
    would normalise 1,200,000 times)."""
    calls = 0

    def counting(text):
        nonlocal calls
        calls += 1
        return values.norm(text)

    monkeypatch.setattr(department_forms, "norm", counting)
    rows = [form(f"第{i}局") for i in range(300)]
    projects = [project(i, f"第{i % 300}局下属{i}中心", f"第{i % 300}局") for i in range(2000)]
    found = projects_of(rows, projects)
    assert calls <= 300 + 2 * 2000
    assert [len(x) for x in found] == [len(range(i, 2000, 300)) for i in range(300)]
    assert found[7][0].i == 7 and found[7][1].i == 307  # in the projects' order

"""核定: whether a merged project's score can stand, and each file's verdict.

A score is only a score when the form hands out 100 points and stays within them. A
form whose 分值 column totals 110 (the seed's five tables) "scores" 110: that number is
shown beside the form's own 填报总分, marked 需更正, and no grade is shown for it.

- 项目核定 (:func:`standing`): 需更正 when the weights do not total the profile's full
  score or a total (computed or stated) exceeds it; 有错误 when the form has error
  findings otherwise; else 通过.
- 文件结论 (:func:`file_verdict`): 不合格 / 需整改 / 合格, by :data:`FILE_RULE`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jixiao.processor.core.values import fmt_num

PASSED, ERRORS, INVALID = "通过", "有错误", "需更正"
NO_GRADE = "—"  # what the 等级 column shows for a score that cannot stand
_TOL = 0.005

OK, REWORK, REJECT = "合格", "需整改", "不合格"
FILE_RULE = (f"文件结论：“{REJECT}”——文件无法读取，或其中有项目分值合计不为100、总分超过100（核定为“{INVALID}”）；"
             f"“{REWORK}”——读取成功，但有“错误”级问题；“{OK}”——没有“错误”级问题（“提示”不影响结论）。"
             "重复文件不作结论。")


@dataclass(frozen=True, slots=True)
class Standing:
    status: str  # 通过 | 有错误 | 需更正
    reasons: tuple[str, ...] = ()

    @property
    def invalid(self) -> bool:
        return self.status == INVALID

    @property
    def note(self) -> str:
        return "；".join(self.reasons)


def standing(scores: dict, stated_total: float | None, errors: int, full: float = 100.0) -> Standing:
    """The 核定 of one project from its computed scores, its stated 总分 and its error count."""
    reasons = []
    weights = scores.get("weights_total")
    if weights is not None and abs(weights - full) > _TOL:
        reasons.append(f"分值合计{fmt_num(weights)}，应为{fmt_num(full)}")
    total = scores.get("total_score")
    if total is not None and total > full + _TOL:
        reasons.append(f"计算总分{fmt_num(total)}超过{fmt_num(full)}")
    if stated_total is not None and stated_total > full + _TOL:
        reasons.append(f"填报总分{fmt_num(stated_total)}超过{fmt_num(full)}")
    if reasons:
        return Standing(INVALID, tuple(reasons))
    return Standing(ERRORS, (f"{errors}个错误",)) if errors else Standing(PASSED)


def shown_grade(grade: str, s: Standing) -> str:
    """The 等级 as the summary shows it: none for a score that cannot stand."""
    return NO_GRADE if s.invalid else grade


def file_verdict(status: str, standings: Iterable[Standing], file_errors: int = 0) -> str:
    """合格 / 需整改 / 不合格 of one file (``status``: the InputFile's); '' for a duplicate."""
    if status == "failed":
        return REJECT
    if status != "merged":
        return ""
    items = list(standings)
    if any(s.invalid for s in items):
        return REJECT
    if file_errors or any(s.status == ERRORS for s in items):
        return REWORK
    return OK

"""Weights written into labels: “产出指标（50分）”, “数量指标(10分)”, “（50分）”, “预算执行率（20分）”."""

from __future__ import annotations

import re

from jixiao.processor.core.values import norm, text_cache

_WEIGHT = re.compile(r"^(.*?)[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")
_BARE = re.compile(r"^(\D*?)(\d+(?:\.\d+)?)分[)）]?$")  # “项目绩效85分”, “部门预算管理80分）”: no (opening) bracket


@text_cache(maxsize=4096)
def split_weight(text: str, bare: bool = False) -> tuple[str, float | None]:
    """“产出指标(50分)” → ("产出指标", 50); “（50分）” → ("", 50); “产出指标” → ("产出指标", None).
    With ``bare``, a category label may also end in “85分” without brackets."""
    t = norm(text)
    m = _WEIGHT.match(t) or (_BARE.match(t) if bare else None)
    if m:
        return m.group(1), float(m.group(2))
    return t, None


def stated_weight(text: str) -> float | None:
    return split_weight(text)[1] if text else None

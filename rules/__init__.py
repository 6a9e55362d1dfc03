"""Rule profiles and the findings catalogue, installed as ``jixiao.rules`` (data only)."""

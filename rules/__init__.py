"""Rule profiles and the findings catalogue, installed as ``processor.profiles`` (data only)."""

"""Small file helpers shared by the commands: content hashes and text files from Excel/WPS.

CSV and text files that users save on Chinese Windows arrive as UTF-8 (often with a
BOM) or as GBK/GB18030; :func:`decode_text` tries both, in that order.
"""

from __future__ import annotations

import hashlib
import os

TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(raw: bytes) -> str | None:
    """Decode a user's text file; None when it is neither UTF-8 nor GB18030."""
    for enc in TEXT_ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's content, read in 1 MiB chunks (OSError propagates)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

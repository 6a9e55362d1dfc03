"""E-mail intake: from the collector's mailbox to the merge.

``jixiao collect`` saves every workbook attached to the messages of ``.eml`` files,
mbox files, Maildir folders or an IMAP folder (read-only) under
``DIR/<sender>/<date>_<file name>`` and registers it in ``收件登记.csv`` / ``.json``;
``jixiao reply`` writes one reply draft per sender. ``merge`` reads the register
through :func:`load_manifest` / :func:`lookup`.
"""

from __future__ import annotations

from jixiao.processor.collect.manifest import (
    MANIFEST_CSV,
    MANIFEST_JSON,
    Manifest,
    ManifestEntry,
    entries_by_path,
    load_manifest,
    lookup,
)

__all__ = [
    "MANIFEST_CSV",
    "MANIFEST_JSON",
    "Manifest",
    "ManifestEntry",
    "entries_by_path",
    "load_manifest",
    "lookup",
]

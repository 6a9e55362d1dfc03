"""The project's one documented exception type."""

from __future__ import annotations


class InputError(Exception):
    """An input that cannot be processed; ``str(err)`` is one Chinese line for the user.

    ``code`` is a findings-catalogue code (J501 unreadable, J502 encrypted, J503 no
    自评表, J504 too large / suspicious structure, J505 not a workbook). Every command
    catches it, prints the line and exits 2 (``check``) or lists the file as 未汇总
    (``merge``). No other exception is meant to escape the engine.
    """

    def __init__(self, message: str, *, file: str | None = None, code: str = "J501"):
        self.file = file
        self.code = code
        self.detail = message
        super().__init__(f"{file}：{message}" if file else message)

"""The project's one documented exception type."""

from __future__ import annotations

from typing import Any

from jixiao.processor.core.visible import visible


class InputError(Exception):
    """An input that cannot be processed; ``str(err)`` is one Chinese line for the user.

    ``code`` is a findings-catalogue code (J501 unreadable, J502 encrypted, J503 no
    自评表, J504 too large / suspicious structure, J505 not a workbook, …). Every command
    catches it, prints the line and exits 2 (``check``) or lists the file as 未汇总
    (``merge``). No other exception is meant to escape the engine.

    Prefer :meth:`of`, which takes the message from the catalogue and keeps the values it
    was made from in ``params``; a literal ``message`` is the older form.
    """

    def __init__(self, message: str, *, file: str | None = None, code: str = "J501",
                 params: dict[str, Any] | None = None):
        self.file = file
        self.code = code
        self.detail = message
        self.params = dict(params or {})
        # one line whatever the file name or a submitted sheet name holds (core.visible)
        super().__init__(visible(f"{file}：{message}" if file else message))

    @classmethod
    def of(cls, code: str, *, file: str | None = None, **params: Any) -> InputError:
        """The refusal ``code`` of the findings catalogue, its message filled with ``params``."""
        from .findings import render

        message, _fix = render(code, **params)
        return cls(message, file=file, code=code, params=params)

    def as_finding(self, file: str | None = None):
        """This refusal as a :class:`~jixiao.processor.core.findings.Finding` of the whole file.

        The catalogue gives severity and fix (filled with ``params``); the message is the
        one already rendered, so an older literal refusal keeps its own sentence.
        """
        from .findings import Finding, catalogue, render

        entry = catalogue().get(self.code, {})
        fix = render(self.code, **self.params)[1] if entry else ""
        return Finding(code=self.code, severity=entry.get("severity", "error"), sheet=None, cell=None,
                       message=self.detail, fix=fix, file=self.file or file, params=dict(self.params))

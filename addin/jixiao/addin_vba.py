"""The add-in's VBA: xlwings' module with our names, and the ribbon module of the button.

xlwings' module (``xlwings.bas`` inside its add-in template) keeps its code; the build
makes a few exact, checked replacements in it (:data:`XLWINGS_EDITS`): the project's
name (so the config sheet is ``jixiao.conf``), the start of the command line (sys.path
is prepared by :mod:`jixiao.click`, which keeps pandas and numpy out of a click), and its
error pop-up (Chinese title, a Chinese explanation in front of Python's own text).

Our ribbon module (:func:`ribbon_module`) checks what VBA can see before starting Python
(no workbook open, 受保护的视图, a missing interpreter or conda) and turns run-time
errors (Windows blocking the child process, antivirus) into Chinese messages. The
module is kept ASCII: Chinese text is written as code points (``U("32489 25928")``),
so it reads the same whatever the PC's ANSI code page.
"""

from __future__ import annotations

import re

RIBBON_MODULE = "JixiaoRibbon"
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
XLWINGS_MODULE = "xlwings"
PROJECT_NAME = "jixiao"
TITLE = "绩效自评"
DOCS = "jixiao 文档《加载项故障排除》"

# (what xlwings' module says, what ours says): each must occur exactly once
XLWINGS_EDITS: tuple[tuple[str, str], ...] = (
    ('Public Const PROJECT_NAME As String = "myaddin"',
     f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"'),
    ('-B -c ""import xlwings.utils;xlwings.utils.prepare_sys_path(',
     '-B -c ""import jixiao.click;jixiao.click.prepare_sys_path('),
    ('        Content = Message\n    End If\n',
     '        Content = Message\n    End If\n    Content = JixiaoExplain(Content)\n'),
    ('Content = Content & "Press Ctrl+C to copy this message to the clipboard."',
     "Content = Content & JixiaoCopyHint()"),
    ('WScript.Popup Content, AUTO_DISMISS, "Error", OK_BUTTON_ERROR',
     "WScript.Popup Content, AUTO_DISMISS, JixiaoTitle(), OK_BUTTON_ERROR"),
    ('MsgBox Content, vbCritical, "Error"', "MsgBox Content, vbCritical, JixiaoTitle()"),
)

# the Python the button runs (after xlwings' sys.path preparation); XLWINGS_VERSION is
# xlwings' own VBA constant, so jixiao.main() learns which xlwings built this add-in
RUN_PYTHON = "\"import jixiao;jixiao.main('\" & XLWINGS_VERSION & \"')\""

MESSAGES: dict[str, str] = {
    "PROTECTED": (
        "这个文件正在“受保护的视图”中打开（从网上、邮件或微信下载的文件 Excel 会先这样打开），"
        "加载项无法读取它。请点窗口上方黄色提示条里的“启用编辑”，再点“校验/计算”。"
    ),
    "NO_WORKBOOK": "没有打开的工作簿。请先打开要校验的自评表，再点“校验/计算”。",
    "NOT_A_WORKSHEET": "当前是图表或其他非工作表页面。请切换到自评表所在的工作表，再点“校验/计算”。",
    "NO_INTERPRETER": (
        "找不到加载项记录的 Python：{0}。Python 可能被卸载、移动，或被杀毒软件隔离。"
        "请在装有 jixiao 的环境中运行 jixiao addin build 和 jixiao addin install"
        "（先关闭 Excel）；若是杀毒软件隔离，请管理员恢复该文件。详见" + DOCS + "。"
    ),
    "NO_CONDA": (
        "加载项记录的 conda 目录 {0} 里没有 condabin\\conda.bat（conda 已卸载、移动或版本过旧）。"
        "请在 Anaconda Prompt 中激活装有 jixiao 的环境，重新运行 jixiao addin build 和 "
        "jixiao addin install。详见" + DOCS + "。"
    ),
    "BLOCKED": (
        "Windows 不允许 Excel 启动 Python（常见原因：Microsoft Defender 的攻击面减少规则"
        "“阻止所有 Office 应用程序创建子进程”，或单位的安全软件）。请联系信息化管理员为"
        "加载项放行，或改用命令 jixiao check / jixiao fill 校验。详见" + DOCS + "。"
    ),
    "QUARANTINE": (
        "杀毒软件拦截或隔离了要启动的程序（Python 或 cmd.exe）。请联系管理员把 Python "
        "所在目录加入信任，或改用命令 jixiao check / jixiao fill。详见" + DOCS + "。"
    ),
    "UNEXPECTED": "加载项出错（VBA 错误 {0}：{1}）。详见" + DOCS + "。",
    "NO_MODULE": (
        "加载项启动的 Python 里没有安装 jixiao 或 xlwings。请在装有 jixiao 的环境中重新运行 "
        "jixiao addin build 和 jixiao addin install。以下是 Python 的原始报错："
    ),
    "DLL": (
        "Python 的组件无法加载（conda 环境未激活或 Python 安装不完整）。请在该环境中重新运行 "
        "jixiao addin build 和 jixiao addin install。以下是 Python 的原始报错："
    ),
    "ONEDRIVE": (
        "加载项找不到该工作簿在本机的位置（OneDrive / SharePoint 同步文件）。请把自评表另存到"
        "本机文件夹后再校验。以下是原始报错："
    ),
    "PYTHON_FAILED": "Python 运行失败，详见" + DOCS + "。以下是 Python 的原始报错：",
    "COPY_HINT": "（按 Ctrl+C 可复制这段信息）",
}

_TEMPLATE = r"""Attribute VB_Name = "{module}"
' jixiao: the button on the ribbon tab (written by "jixiao addin build").
' xlwings' RunPython starts Python; this module checks what VBA can see first
' and turns the errors users meet into Chinese messages.
Option Explicit

Private Const ERR_NO_OBJECT As Long = 91
Private Const ERR_PERMISSION As Long = 70
Private Const ERR_ACCESS_DENIED As Long = -2147024891   ' 0x80070005
Private Const ERR_VIRUS As Long = -2147024671           ' 0x800700E1 ERROR_VIRUS_INFECTED
Private Const ERR_VIRUS_DELETED As Long = -2147024670   ' 0x800700E2 ERROR_VIRUS_DELETED

Sub RunMain(control As IRibbonControl)
    JixiaoCheck
End Sub

Public Sub JixiaoCheck()
    Dim interpreter As String, condaPath As String
    On Error GoTo Failed
    If InProtectedView() Then
        JixiaoSay {PROTECTED}
        Exit Sub
    End If
    If ActiveWorkbook Is Nothing Then
        JixiaoSay {NO_WORKBOOK}
        Exit Sub
    End If
    If TypeName(ActiveSheet) <> "Worksheet" Then
        JixiaoSay {NOT_A_WORKSHEET}
        Exit Sub
    End If
    #If Mac Then
        interpreter = GetConfig("INTERPRETER_MAC", "")
    #Else
        interpreter = GetConfig("INTERPRETER_WIN", "")
        If interpreter <> "" And interpreter <> "python" And interpreter <> "pythonw" Then
            If Not FileExists(interpreter) Then
                JixiaoSay Replace({NO_INTERPRETER}, "{{0}}", interpreter)
                Exit Sub
            End If
        End If
        condaPath = GetConfig("CONDA PATH", "")
        If condaPath <> "" Then
            If Not FileExists(condaPath & "\condabin\conda.bat") Then
                JixiaoSay Replace({NO_CONDA}, "{{0}}", condaPath)
                Exit Sub
            End If
        End If
    #End If
    RunPython {run_python}
    Exit Sub
Failed:
    JixiaoSay JixiaoErrorText(Err.Number, Err.Description)
End Sub

Private Function InProtectedView() As Boolean
    #If Mac Then
        InProtectedView = False
    #Else
        On Error Resume Next
        InProtectedView = Not (Application.ActiveProtectedViewWindow Is Nothing)
    #End If
End Function

Public Function JixiaoErrorText(ByVal number As Long, ByVal description As String) As String
    Select Case number
        Case ERR_NO_OBJECT
            JixiaoErrorText = {NO_WORKBOOK}
        Case ERR_PERMISSION, ERR_ACCESS_DENIED
            JixiaoErrorText = {BLOCKED}
        Case ERR_VIRUS, ERR_VIRUS_DELETED
            JixiaoErrorText = {QUARANTINE}
        Case Else
            JixiaoErrorText = Replace(Replace({UNEXPECTED}, "{{0}}", CStr(number)), "{{1}}", description)
    End Select
End Function

Public Function JixiaoExplain(ByVal content As String) As String
    ' called by xlwings' ShowError: a Chinese line in front of Python's own (English) text
    Dim hint As String
    If InStr(content, "No module named 'jixiao'") > 0 Or InStr(content, "No module named 'xlwings'") > 0 Then
        hint = {NO_MODULE}
    ElseIf InStr(content, "DLL load failed") > 0 Then
        hint = {DLL}
    ElseIf InStr(content, "OneDrive") > 0 Or InStr(content, "SharePoint") > 0 Then
        hint = {ONEDRIVE}
    ElseIf InStr(content, "Access is denied") > 0 Or InStr(LCase(content), "virus") > 0 Then
        hint = {BLOCKED}
    Else
        hint = {PYTHON_FAILED}
    End If
    JixiaoExplain = hint & vbCrLf & vbCrLf & content
End Function

Public Function JixiaoTitle() As String
    JixiaoTitle = {TITLE}
End Function

Public Function JixiaoCopyHint() As String
    JixiaoCopyHint = {COPY_HINT}
End Function

Public Sub JixiaoSay(ByVal message As String)
    ' WScript's pop-up shows Unicode on any Windows; MsgBox only the ANSI code page
    On Error GoTo Fallback
    #If Mac Then
        MsgBox message, vbExclamation, JixiaoTitle()
    #Else
        CreateObject("WScript.Shell").Popup message, 0, JixiaoTitle(), 48
    #End If
    Exit Sub
Fallback:
    MsgBox message, vbExclamation
End Sub

Private Function U(ByVal codes As String) As String
    ' Chinese text as code points: this module stays ASCII whatever the code page
    Dim part As Variant
    For Each part In Split(codes, " ")
        U = U & ChrW(CLng(part))
    Next
End Function
"""


def vba_text(text: str, width: int = 40) -> str:
    """A VBA expression for ``text``: ``U("...")`` pieces joined across continued lines."""
    pieces = [text[i:i + width] for i in range(0, len(text), width)] or [""]
    exprs = ['U("' + " ".join(str(ord(ch)) for ch in piece) + '")' for piece in pieces]
    return " & _\n            ".join(exprs)


def decode_vba_text(expr: str) -> str:
    """The text a :func:`vba_text` expression stands for (used by tests and ``addin status``)."""
    return "".join(chr(int(code)) for group in re.findall(r'U\("([\d ]*)"\)', expr)
                   for code in group.split())


def ribbon_module() -> str:
    """Source of the ribbon module (ASCII only, CRLF added when stored)."""
    texts = {key: vba_text(value) for key, value in MESSAGES.items()}
    texts["TITLE"] = vba_text(TITLE)
    return _TEMPLATE.format(module=RIBBON_MODULE, run_python=RUN_PYTHON, **texts)


class TemplateMismatch(ValueError):
    """xlwings' module does not contain a text the build must replace."""


def edit_xlwings_module(source: str) -> str:
    """xlwings' module with :data:`XLWINGS_EDITS` applied (each exactly once)."""
    text = source.replace("\r\n", "\n")
    for old, new in XLWINGS_EDITS:
        if text.count(old) != 1:
            raise TemplateMismatch(old)
        text = text.replace(old, new)
    return text

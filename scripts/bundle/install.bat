@echo off
rem jixiao @VERSION@ offline installer. Saved as UTF-8 (no BOM) with CRLF line ends:
rem the code page is switched to UTF-8 (65001) before the first Chinese line is read.
rem Paths are only ever expanded inside double quotes (a folder or user name may hold & ( ) or
rem spaces); delayed expansion stays off (a ! in a path would be eaten). Exit code: 0 done,
rem 1 not done. Set JIXIAO_NO_PAUSE=1 to run it unattended (no "press any key" at the end).
for /f "tokens=2 delims=:" %%a in ('chcp') do set "JX_OLDCP=%%a"
chcp 65001 >nul
setlocal EnableExtensions DisableDelayedExpansion
set "JX_RC=1"
set "JX_HERE=%~dp0"
set "JX_ENV=%LOCALAPPDATA%\jixiao\env"
if not "%~1"=="" set "JX_ENV=%~1"
rem an absolute path without a trailing backslash ("D:\env\" would end in \" for Python)
for %%I in ("%JX_ENV%") do set "JX_ENV=%%~fI"
if "%JX_ENV:~-1%"=="\" set "JX_ENV=%JX_ENV:~0,-1%"
set "JX_PROBE=import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) and sys.maxsize > 2**32 and 'WindowsApps' not in sys.executable else 1)"

echo ============================================================
echo   jixiao @VERSION@ 离线安装（全程不联网）
echo ============================================================
echo 安装位置："%JX_ENV%"
echo.

echo [1/5] 查找 64 位 Python 3.10 - 3.13 ...
set "JX_PY="
for %%V in (3.13 3.12 3.11 3.10) do if not defined JX_PY (py -%%V-64 -c "%JX_PROBE%" >nul 2>nul && set "JX_PY=py -%%V-64")
if not defined JX_PY (python -c "%JX_PROBE%" >nul 2>nul && set "JX_PY=python")
if not defined JX_PY goto nopython
for /f "delims=" %%p in ('%JX_PY% -c "import sys; print(sys.executable)"') do set "JX_BASE=%%p"
echo       使用："%JX_BASE%"

echo [2/5] 建立专用环境（只给 jixiao 用，不影响电脑上的其他 Python 软件）...
set "JX_PYTHON=%JX_ENV%\Scripts\python.exe"
set "JX_CMD=%JX_ENV%\Scripts\jixiao.exe"
if exist "%JX_ENV%\pyvenv.cfg" goto checkenv
rem a folder that is not an environment is never written into (nor cleared): it may be anything
if not exist "%JX_ENV%\" goto makeenv
dir /b /a "%JX_ENV%" 2>nul | findstr "^" >nul && goto notenv
:makeenv
%JX_PY% -m venv "%JX_ENV%"
if errorlevel 1 goto fail
goto haveenv
:checkenv
rem an environment left by an earlier run may be broken: interrupted before pip was in it,
rem or its Python uninstalled or 32-bit; such a one is made again (--clear)
"%JX_PYTHON%" -c "%JX_PROBE%" >nul 2>nul && "%JX_PYTHON%" -m pip --version >nul 2>nul && goto goodenv
echo       已有的专用环境不完整或不可用（可能上次安装被中断，或它的 Python 已卸载），重新建立。
%JX_PY% -m venv --clear "%JX_ENV%"
if errorlevel 1 goto fail
goto haveenv
:goodenv
echo       已有专用环境，直接更新。
:haveenv

echo [3/5] 从安装包的 wheels 文件夹安装 jixiao 及其依赖（--no-index，不访问任何软件源）...
"%JX_PYTHON%" -m pip install --disable-pip-version-check --no-index --find-links "%JX_HERE%wheels" --upgrade "jixiao[addin]"
if errorlevel 1 goto fail

echo [4/5] 生成 Excel 加载项 jixiao.xlam（记录专用环境的 Python）...
"%JX_CMD%" addin build -o "%JX_ENV%"
if errorlevel 1 goto fail

echo [5/5] 把加载项装进 Excel 启动文件夹（请先关闭所有 Excel 窗口）...
"%JX_CMD%" addin install --file "%JX_ENV%\jixiao.xlam"
if errorlevel 1 goto addinfail

set "JX_RC=0"
echo.
echo 安装完成。
echo   专用环境："%JX_ENV%"
echo   批量命令："%JX_CMD%"（可把 "%JX_ENV%\Scripts" 加入 PATH，之后直接输入 jixiao）
echo   试一试："%JX_CMD%" check "%JX_HERE%examples"
echo   加载项：重新打开 Excel，功能区上会出现“绩效自评”选项卡，点“校验/计算”。
echo   查看加载项状态："%JX_CMD%" addin status
goto end

:addinfail
echo.
echo jixiao 已装好，但加载项没能装进 Excel（见上面的提示）。关闭所有 Excel 窗口后再运行一次本文件即可。
goto end

:notenv
echo.
echo 安装位置 "%JX_ENV%" 已存在，里面有其他文件，不是 Python 环境。为免误删，请指定一个新的或空的文件夹，
echo 例如在命令提示符中运行：安装.bat D:\jixiao-env
goto end

:nopython
echo.
echo 没有找到可用的 Python。需要 64 位 Python 3.10 - 3.13（python.org 的 Windows installer 64-bit）。
echo 安装时勾选“Add python.exe to PATH”；不要用 Microsoft Store 里的 Python。装好后再运行本文件。
goto end

:fail
echo.
echo 安装没有完成，请把上面的信息截图发给技术支持。

:end
echo.
if not defined JIXIAO_NO_PAUSE pause
endlocal & set "JX_RC=%JX_RC%"
chcp %JX_OLDCP% >nul
exit /b %JX_RC%

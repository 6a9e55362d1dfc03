"""``python -m jixiao.processor.template [路径] [规则]``: regenerate the project template; with no
argument both committed templates (templates/自评表.xlsx and templates/部门整体自评表.xlsx)."""

import sys

from jixiao.processor.template import department_form
from jixiao.processor.template.project_form import main

code = main()
if code == 0 and len(sys.argv) == 1:
    code = department_form.main([])
raise SystemExit(code)

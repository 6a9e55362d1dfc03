"""The pure core: grid → record (reader) → scores (compute) and findings (audit) → plan.

No module here opens a file or imports a workbook library; the edges in
:mod:`jixiao.processor.files` turn files into grids and carry plans out (the plan: what
to write, :mod:`plan`; how marks look, :mod:`marks`; the 校验结果 page, :mod:`result_page`;
the record of a run, :mod:`ledger`).
"""

"""The pure core: grid → record (reader) → scores (compute) and findings (audit) → patch.

No module here opens a file or imports a workbook library; the edges in
:mod:`jixiao.processor.files` turn files into grids and carry patches out.
"""

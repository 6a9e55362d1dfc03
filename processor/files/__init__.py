"""The file edges: the guard in front of every submitted file, the calamine / openpyxl
readers that turn workbooks into grids, and the openpyxl / xlwings writers that carry the
engine's write plan out. Also atomic output and small file helpers."""

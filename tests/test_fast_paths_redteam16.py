"""Red team of issue 16's fast paths: inputs their authors did not design, against the plain
computations (and the code before the speed work) they replace."""

from __future__ import annotations

from jixiao.processor.core.grid import Grid
from jixiao.processor.core.reader import sheet as sheet_module
from jixiao.processor.core.reader.sheet import Sheet
from jixiao.processor.core.reader.vocabulary import default_vocabulary

# ------------------------------------------------------------ merged-range maps shared between sheets


def _big_merges(shift: int) -> list[tuple[int, int, int, int]]:
    """249 ranges of 40 × 50 cells: some 500,000 merged cells, what the guard lets a file hold
    (max_merged_cells), each list distinct."""
    return [(30 + 41 * k, 12 + shift, 69 + 41 * k, 61 + shift) for k in range(249)]


def test_sheets_with_huge_merges_are_not_kept_between_forms():
    """The shared maps are kept for the next form (64 lists). A template's ranges cover a few
    hundred cells; a hostile file's may cover half a million, and 64 such files kept 5 GB alive
    in one worker (measured: ``jixiao check`` of 70 such files, 138 MB before the speed work,
    5.5 GB with the maps kept). Those maps are the sheet's own and go with it."""
    sheet_module._merge_maps.cache_clear()
    vocab = default_vocabulary()
    rows = [["项目名称", "x"], ["", ""]]
    for shift in range(3):
        s = Sheet(Grid("s", rows, 1, 1, _big_merges(shift)), vocab)
        assert s.merge_br[(30, 12 + shift)] == (69, 61 + shift)  # (still read in full)
        assert s.merge_tl[(69, 61 + shift)] == (30, 12 + shift)
    # nor does a reversed range (rows or columns backwards) make a big list look small
    Sheet(Grid("s", rows, 1, 1, [*_big_merges(9), (1_000_000, 1, 1, 1), (1, 1_000_000, 1, 1)]), vocab)
    kept = sheet_module._merge_maps.cache_info().currsize
    assert kept == 0, f"{kept} maps of half a million merged cells each kept for later forms"


def test_what_the_shared_maps_can_hold_is_bounded():
    """Whatever lists come, the cache holds at most maxsize lists of at most _SHARED_CELLS cells."""
    held = sheet_module._merge_maps.cache_parameters()["maxsize"] * sheet_module._SHARED_CELLS
    assert held <= 200_000
    sheet_module._merge_maps.cache_clear()
    vocab = default_vocabulary()
    for shift in range(5):  # a template-sized list: shared
        Sheet(Grid("s", [["a"]], 1, 1, [(1, 1 + shift, 2, 3 + shift), (3, 1, 3, 9)]), vocab)
    assert sheet_module._merge_maps.cache_info().currsize == 5

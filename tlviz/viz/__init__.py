"""Pure plotly figure builders in one visual language (see :mod:`tlviz.viz.core` for the conventions).

Lesson-specific builders live in sibling modules (``tlviz.viz.seq2seq``, ``tlviz.viz.transformer``...) and build
on the shared ones re-exported here.
"""

from tlviz.viz.core import (  # noqa: F401
    ATTENTION_SCALE,
    DIVERGING_SCALE,
    HEAD_COLORS,
    INFERNO_SCALE,
    MASK_COLOR,
    RUN_COLORS,
    attention_heatmap,
    bar_topk,
    figure_table,
    has_numbers,
    head_color,
    heatmap_grid,
    inferno,
    line_curves,
    matrix_heatmap,
)

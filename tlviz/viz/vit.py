"""Figures of the Vision Transformer lesson: the patch grid, patches as a sequence, flattening and projection,
position-embedding similarity, the class token's attention per layer and head over the image, rollout and a chosen
patch's attention. Pure: numpy + labels in, ``go.Figure`` out (conventions in :mod:`tlviz.viz.core`).

Many small image maps (layers x heads thumbnails, patches) are drawn as one composed PNG inside the figure rather
than one plotly trace per map: ViT-B/16 has 144 heads, and 144 image traces would send megabytes of JSON numbers
to every student's browser.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import numpy as np

from tlviz.i18n import _
from tlviz.viz.core import INFERNO_SCALE, _layout, inferno, matrix_heatmap

if TYPE_CHECKING:
    import plotly.graph_objects as go


def _resize(img: np.ndarray, size: int, nearest: bool = False) -> np.ndarray:
    from PIL import Image

    pil = Image.fromarray(np.asarray(img, dtype=np.uint8))
    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    return np.asarray(pil.resize((size, size), resample), dtype=np.uint8)


def blend(pixels, heat, opacity: float = 0.6, size: int | None = None, normalise: bool = True) -> np.ndarray:
    """An RGB image (H, W, 3) with a (rows, cols) map in Inferno laid over it; each map scaled to its own max when
    ``normalise``. Returns (size, size, 3) uint8 (``size`` defaults to the image's height)."""
    img = np.asarray(pixels, dtype=np.uint8)
    size = size or img.shape[0]
    h = np.asarray(heat, dtype=np.float64)
    if normalise and h.max() > 0:
        h = h / h.max()
    colour = _resize(inferno(h), size, nearest=True).astype(np.float64)
    base = _resize(img, size).astype(np.float64)
    return ((1 - opacity) * base + opacity * colour).round().astype(np.uint8)


#: Pictures with more pixels than this travel as JPEG (photo mosaics of 144 heads), smaller ones as exact PNG.
JPEG_ABOVE = 300_000


def png_uri(img: np.ndarray) -> str:
    """A data URI of an RGB uint8 image: PNG (exact, small for silhouettes), or JPEG when it is large."""
    from PIL import Image

    arr = np.asarray(img, dtype=np.uint8)
    buf = io.BytesIO()
    if arr.shape[0] * arr.shape[1] > JPEG_ABOVE:
        Image.fromarray(arr).save(buf, format="JPEG", quality=88)
        return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    Image.fromarray(arr).save(buf, format="PNG", compress_level=3)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def mosaic(tiles, gap: int = 4, fill: int = 255) -> np.ndarray:
    """(rows, cols, h, w, 3) uint8 tiles -> one (rows*(h+gap)-gap, cols*(w+gap)-gap, 3) image with white gaps."""
    t = np.asarray(tiles, dtype=np.uint8)
    rows, cols, h, w = t.shape[:4]
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, 3), fill, dtype=np.uint8)
    for r in range(rows):
        for c in range(cols):
            out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = t[r, c]
    return out


def _image_figure(img: np.ndarray, title: str | None, height: int | None, x_ticks=None, y_ticks=None,
                  x_title: str = "", y_title: str = "") -> go.Figure:
    """A composed picture as one layout image, with optional category-like ticks at given pixel positions."""
    import plotly.graph_objects as go

    h, w = img.shape[:2]
    fig = go.Figure(go.Image(source=png_uri(img), hoverinfo="skip"))
    fig.update_xaxes(range=[0, w], showgrid=False, zeroline=False, title=x_title, side="top",
                     **({"tickvals": x_ticks[0], "ticktext": x_ticks[1]} if x_ticks else {"visible": False}))
    fig.update_yaxes(range=[h, 0], showgrid=False, zeroline=False, title=y_title, scaleanchor="x",
                     **({"tickvals": y_ticks[0], "ticktext": y_ticks[1]} if y_ticks else {"visible": False}))
    return _layout(fig, title, height)


def overlay_figure(pixels, heat=None, grid: tuple[int, int] | None = None, title: str | None = None,
                   query: tuple[int, int] | None = None, overlay_title: str | None = None, opacity: float = 0.6,
                   height: int | None = 420, dim: float = 0.45) -> go.Figure:
    """An RGB image (H, W, 3) with an optional (rows, cols) map over it, the patch grid and an outlined patch.

    An image with heat laid over it (the Inferno overlay of :mod:`tlviz.viz.core`); the picture travels as one PNG
    instead of H x W x 3 JSON numbers, and its pixel edges sit on whole coordinates, so patch lines and overlay
    cells line up exactly with the pixels, even on a 28 px silhouette. Under a map the picture is dimmed by ``dim``
    so the colours, not a white silhouette, carry the values.
    """
    import plotly.graph_objects as go

    overlay_title = overlay_title or _("attention")
    img = np.asarray(pixels, dtype=np.uint8)
    h, w = img.shape[:2]
    if heat is not None and dim > 0:
        img = (img.astype(np.float32) * (1 - dim)).round().astype(np.uint8)
    fig = go.Figure(go.Image(source=png_uri(img), x0=0.5, y0=0.5, dx=1, dy=1, hoverinfo="skip"))
    if heat is not None:
        ov = np.asarray(heat, dtype=float)
        rows, cols = ov.shape
        name = _("patch ({r},{c})")
        cell = np.array([[name.format(r=r, c=c) for c in range(cols)] for r in range(rows)], dtype=object)
        fig.add_trace(go.Heatmap(z=ov, x0=w / cols / 2, dx=w / cols, y0=h / rows / 2, dy=h / rows,
                                 colorscale=INFERNO_SCALE, opacity=opacity, customdata=cell,
                                 colorbar=dict(title=overlay_title, thickness=12),
                                 hovertemplate=f"%{{customdata}}<br>{overlay_title} %{{z:.3f}}<extra></extra>"))
    if grid is not None:
        rows, cols = grid
        for r in range(1, rows):
            fig.add_shape(type="line", x0=0, x1=w, y0=r * h / rows, y1=r * h / rows, line=dict(color="white", width=1))
        for c in range(1, cols):
            fig.add_shape(type="line", x0=c * w / cols, x1=c * w / cols, y0=0, y1=h, line=dict(color="white", width=1))
        if query is not None:
            _outline(fig, img, grid, query)
    fig.update_xaxes(visible=False, range=[0, w])
    fig.update_yaxes(visible=False, range=[h, 0], scaleanchor="x")
    return _layout(fig, title, height)


def patch_grid(pixels, grid: tuple[int, int], title: str | None = None, highlight: tuple[int, int] | None = None,
               height: int | None = 420) -> go.Figure:
    """The image with the patch grid drawn over it; ``highlight`` (row, col) outlines one patch."""
    return overlay_figure(pixels, None, grid, title, query=highlight, height=height)


def _outline(fig: go.Figure, pixels, grid, cell, color: str = "#00e5ff") -> None:
    h, w = np.asarray(pixels).shape[:2]
    r, c = cell
    ph, pw = h / grid[0], w / grid[1]
    fig.add_shape(type="rect", x0=c * pw, x1=(c + 1) * pw, y0=r * ph, y1=(r + 1) * ph,
                  line=dict(color=color, width=4))


def patch_sequence(patch_pixels, count: int | None = None, title: str | None = None, tile: int = 48,
                   per_row: int = 14, height: int | None = None) -> go.Figure:
    """Patches (P, p, p, 3) laid out one after another in reading order: the image as a sequence of tokens.
    Shows the first ``count`` (default: all, up to 64)."""
    pix = np.asarray(patch_pixels, dtype=np.uint8)
    n = min(len(pix), count or 64)
    per_row = min(per_row, n)
    rows = -(-n // per_row)
    tiles = np.full((rows, per_row, tile, tile, 3), 255, dtype=np.uint8)
    for i in range(n):
        tiles[i // per_row, i % per_row] = _resize(pix[i], tile, nearest=True)
    img = mosaic(tiles, gap=6)
    step = tile + 6
    x_ticks = ([c * step + tile / 2 for c in range(per_row)], [str(c + 1) for c in range(per_row)])
    y_ticks = ([r * step + tile / 2 for r in range(rows)], [f"{r * per_row + 1}…" for r in range(rows)])
    more = _(" (first {n} of {total})").format(n=n, total=len(pix)) if n < len(pix) else ""
    return _image_figure(img, (title or _("The image as a sequence of patches")) + more,
                         height or max(160, 70 * rows + 90), x_ticks, y_ticks, x_title=_("position in the sequence"))


def flattened_patches(flat, count: int = 16, max_values: int = 96, title: str | None = None) -> go.Figure:
    """The first ``count`` patches as rows of their flattened, normalised pixel values (channel, row, column)."""
    full = np.asarray(flat, dtype=float)
    f = full[:count, :max_values]
    x_title = _("pixel value index") + (_(" (first {n} of {total})").format(n=f.shape[1], total=full.shape[1])
                                        if full.shape[1] > f.shape[1] else "")
    fig = matrix_heatmap(f, x_labels=[str(i) for i in range(f.shape[1])],
                         y_labels=[_("patch {n}").format(n=i + 1) for i in range(f.shape[0])],
                         title=title or _("Flattened patches ({n} of {total})").format(n=f.shape[0], total=len(full)),
                         x_title=x_title, show_values=False, value_name=_("pixel"),
                         height=max(260, 22 * f.shape[0] + 110))
    return _no_gaps(fig, f.shape[1])


def patch_tokens(embedded, count: int = 16, max_dims: int = 96, title: str | None = None) -> go.Figure:
    """The first ``count`` patch tokens after the linear projection: (patches, embedding dimensions)."""
    full = np.asarray(embedded, dtype=float)
    e = full[:count, :max_dims]
    x_title = _("embedding dimension") + (_(" (first {n} of {total})").format(n=e.shape[1], total=full.shape[1])
                                          if full.shape[1] > e.shape[1] else "")
    fig = matrix_heatmap(e, x_labels=[str(i) for i in range(e.shape[1])],
                         y_labels=[_("token {n}").format(n=i + 1) for i in range(e.shape[0])],
                         title=title or _("Patch tokens = patch × W + b"), x_title=x_title, show_values=False,
                         value_name=_("value"), height=max(260, 22 * e.shape[0] + 110))
    return _no_gaps(fig, e.shape[1])


def _no_gaps(fig: go.Figure, columns: int) -> go.Figure:
    """Cell gaps of one pixel swallow a heatmap of many narrow columns: drop them beyond 32 columns."""
    if columns > 32:
        fig.update_traces(xgap=0, selector=dict(type="heatmap"))
    return fig


def position_similarity_grid(sim, title: str | None = None, height: int | None = None) -> go.Figure:
    """Cosine similarity of position embeddings (rows, cols, rows, cols) as a grid of small maps: the tile at
    (r, c) shows how similar patch (r, c)'s position embedding is to every other patch's (the ViT paper's
    figure 7)."""
    import plotly.graph_objects as go

    s = np.asarray(sim, dtype=float)
    rows, cols = s.shape[:2]
    gap = 1
    big = np.full((rows * (rows + gap) - gap, cols * (cols + gap) - gap), np.nan)  # NaN gaps between tiles
    # Hover names both patches through small integer customdata (sent as a compact binary array), not strings:
    # ViT-B's 14x14 grid has 44,000 cells.
    who = np.zeros(big.shape + (4,), dtype=np.int8)  # (H, W, [r, c, rr, cc])
    for r in range(rows):
        for c in range(cols):
            y0, x0 = r * (rows + gap), c * (cols + gap)
            big[y0:y0 + rows, x0:x0 + cols] = s[r, c]  # (rows, cols) tile of patch (r, c)
            who[y0:y0 + rows, x0:x0 + cols, 0] = r
            who[y0:y0 + rows, x0:x0 + cols, 1] = c
            who[y0:y0 + rows, x0:x0 + cols, 2] = np.arange(rows)[:, None]
            who[y0:y0 + rows, x0:x0 + cols, 3] = np.arange(cols)[None, :]
    fig = go.Figure(go.Heatmap(z=big.astype(np.float32), zmin=-1, zmax=1, zmid=0, colorscale="RdBu", customdata=who,
                               hovertemplate=_("patch (%{customdata[0]},%{customdata[1]}) vs "
                                               "(%{customdata[2]},%{customdata[3]})<br>cosine %{z:.2f}")
                               + "<extra></extra>", colorbar=dict(title=_("cosine"), thickness=12)))
    step = rows + gap
    fig.update_yaxes(autorange="reversed", tickvals=[r * step + rows / 2 - 0.5 for r in range(rows)],
                     ticktext=[str(r) for r in range(rows)], title=_("patch row"), scaleanchor="x", showgrid=False)
    step = cols + gap
    fig.update_xaxes(tickvals=[c * step + cols / 2 - 0.5 for c in range(cols)], ticktext=[str(c) for c in range(cols)],
                     title=_("patch column"), showgrid=False)
    return _layout(fig, title or _("Position-embedding similarity"), height or 640)


def head_mosaic(cls_maps, pixels, title: str | None = None, tile: int | None = None, opacity: float = 0.65,
                max_layers: int = 12, max_heads: int = 12) -> go.Figure:
    """The class token's attention (layers, heads, rows, cols) over the image, one thumbnail per layer and head,
    each scaled to its own maximum."""
    maps = np.asarray(cls_maps, dtype=float)[:max_layers, :max_heads]
    L, H = maps.shape[:2]
    tile = tile or (84 if H <= 6 else 64)
    tiles = np.stack([np.stack([blend(pixels, maps[i, h], opacity, tile) for h in range(H)]) for i in range(L)])
    img = mosaic(tiles, gap=4)
    step = tile + 4
    x_ticks = ([h * step + tile / 2 for h in range(H)], [_("head {n}").format(n=h + 1) for h in range(H)])
    y_ticks = ([i * step + tile / 2 for i in range(L)], [_("layer {n}").format(n=i + 1) for i in range(L)])
    return _image_figure(img, title or _("[CLS] attention to each patch, per layer and head"),
                         max(300, L * 70 + 120), x_ticks, y_ticks)


def attention_overlay(pixels, heat, grid: tuple[int, int], title: str | None = None, query: tuple[int, int] |
                      None = None, overlay_title: str | None = None, height: int | None = 420) -> go.Figure:
    """One (rows, cols) attention map over the image with the patch grid; ``query`` outlines the attending patch."""
    return overlay_figure(pixels, heat, grid, title, query=query, overlay_title=overlay_title, height=height)


def attribution_overlay(pixels, heat, title: str | None = None, cells: int = 56, height: int | None = 420,
                        overlay_title: str | None = None) -> go.Figure:
    """A full-resolution attribution map (H, W) in [0, 1] over the image, pooled to ``cells`` x ``cells`` (enough
    for the eye, and light for the browser)."""
    h = np.asarray(heat, dtype=float)
    n = min(cells, h.shape[0], h.shape[1])
    ys = np.linspace(0, h.shape[0], n + 1).astype(int)
    xs = np.linspace(0, h.shape[1], n + 1).astype(int)
    pooled = np.array([[h[ys[i]:ys[i + 1], xs[j]:xs[j + 1]].mean() for j in range(n)] for i in range(n)])
    return overlay_figure(pixels, pooled, None, title, overlay_title=overlay_title or _("attribution"), height=height)


def display_pixels(pixels, min_size: int = 224) -> np.ndarray:
    """Small images (a 28x28 silhouette) enlarged by an integer factor with nearest neighbours, so patch lines and
    overlays fall exactly on pixel edges."""
    img = np.asarray(pixels, dtype=np.uint8)
    k = max(1, -(-min_size // max(1, img.shape[0])))
    return img.repeat(k, axis=0).repeat(k, axis=1) if k > 1 else img


def position_similarity_table(sim):
    """The numbers behind :func:`position_similarity_grid` for CSV export: a (P, P) matrix labelled by patch."""
    import pandas as pd

    s = np.asarray(sim, dtype=float)
    rows, cols = s.shape[:2]
    names = [f"({r},{c})" for r in range(rows) for c in range(cols)]
    return pd.DataFrame(s.reshape(rows * cols, rows * cols), index=names, columns=names)


def cls_maps_table(cls_maps):
    """The numbers behind :func:`head_mosaic` for CSV export: one row per layer, head and patch."""
    import pandas as pd

    m = np.asarray(cls_maps, dtype=float)
    L, H, rows, cols = m.shape
    idx = np.indices(m.shape).reshape(4, -1)  # (4, L*H*rows*cols)
    return pd.DataFrame({_("layer"): idx[0] + 1, _("head"): idx[1] + 1, _("patch_row"): idx[2],
                         _("patch_col"): idx[3], _("weight"): m.reshape(-1)})

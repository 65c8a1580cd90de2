"""Image decoding: tlviz.images.load_image against a plain PIL open+convert (the safety checks' overhead)."""

import io

import numpy as np
from PIL import Image

from bench import row, timed


def run(quick: bool = False) -> list[dict]:
    from tlviz.images import load_image

    side = 256 if quick else 2048
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    repeat = 3 if quick else 10
    base_s, _ = timed(lambda: Image.open(io.BytesIO(data)).convert("RGB"), repeat)
    ours_s, img = timed(lambda: load_image(data), repeat)
    return [row("load_image (JPEG)", ours_s, "PIL open + convert, no checks", base_s,
                f"{side}x{side}; ratio < 1 is the cost of the checks")]

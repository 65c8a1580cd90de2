"""tlviz: a small engine for teaching attention and transfer learning.

Importing the package is cheap: torch, transformers, timm and plotly are imported lazily by the modules that
need them, and streamlit only by :mod:`tlviz.ui`, the app's one bridge to the engine.
"""

__version__ = "0.1.0"

from tlviz.errors import InputError  # noqa: E402  (re-exported for notebooks)

__all__ = ["InputError", "__version__"]

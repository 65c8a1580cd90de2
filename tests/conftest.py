"""Shared test set-up: no network, ever; torch kept to the machine's cores."""

import os

# Tests never reach a hub: a hub id that is not cached must fail fast with InputError, not try to download.
os.environ.setdefault("TLVIZ_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

"""Store the hub models the app lists in the local Hugging Face cache, for a classroom that will be offline.

    python -m tlviz.recipes.prefetch            # every hub model in the catalogue
    python -m tlviz.recipes.prefetch --list     # what would be fetched, and what is cached already
    python -m tlviz.recipes.prefetch bert-base-uncased resnet18

Run it on a machine with internet; the models land in ~/.cache/huggingface (or $HF_HOME). Copy that folder to
the classroom machine (same path, or set HF_HOME), and the catalogue there shows them as offline.
"""

from __future__ import annotations

import argparse
import sys

from tlviz import models


def fetch(spec: models._HubSpec) -> str:
    """Download one model's files into the local cache (needs internet) and check that it loads."""
    if spec.library == "timm":
        import timm

        timm.create_model(spec.ref, pretrained=True)  # downloads the weights from the hub into the cache
        return models.timm_cached_weights(spec.ref) or "?"
    from huggingface_hub import snapshot_download  # online by design: this recipe is the hub download

    return snapshot_download(spec.ref, allow_patterns=["*.json", "*.txt", "*.safetensors", "*.model"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("refs", nargs="*", help="hub ids / timm names (default: every hub model in the catalogue)")
    parser.add_argument("--list", action="store_true", help="only show what is cached")
    args = parser.parse_args(argv)
    specs = [s for s in models.HUB_MODELS if not args.refs or s.ref in args.refs]
    unknown = set(args.refs) - {s.ref for s in specs}
    if unknown:
        print(f"not in the catalogue: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    cards = {c.ref: c for c in models.catalog() if c.source == "hub"}
    if not args.list and not models.hub_reachable():
        print("Cannot reach huggingface.co: run this on a machine with internet.", file=sys.stderr)
        return 1
    failed = 0
    for spec in specs:
        if args.list or cards[spec.ref].offline:
            print(f"{'cached ' if cards[spec.ref].offline else 'missing'}  {spec.ref:32s} {spec.name}")
            continue
        print(f"fetching {spec.ref} ...", flush=True)
        try:
            where = fetch(spec)
            print(f"  stored in {where}")
        except Exception as exc:  # report every model, then fail at the end
            failed += 1
            print(f"  FAILED: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

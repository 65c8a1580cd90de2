"""python -m bench [--quick] [bench_name ...]: run benchmarks side by side with their baselines, print a table."""

import argparse

from bench import discover, format_table, run_all
from tlviz import runtime

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {discover()})")
parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds in all (a smoke run)")
args = parser.parse_args()
runtime.configure_torch()
print(format_table(run_all(args.names or None, quick=args.quick)))

"""python -m bench [--quick] [bench_name ...]: run benchmarks side by side with their baselines, print a table."""

import argparse

from bench import discover, format_table, run_all
from tlviz import runtime

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {discover()})")
parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds in all (a smoke run)")
# bench_classroom (a class on a real server); `python -m bench.bench_classroom --help` has its soak mode and more
parser.add_argument("--students", type=int, help="bench_classroom: students at once (default 60; quick: 4)")
parser.add_argument("--pages", nargs="+", help="bench_classroom: page names (default: all; quick: home)")
parser.add_argument("--mode", choices=("open", "sentences"), help="bench_classroom: default inputs or a "
                    "different sentence per student")
parser.add_argument("--profiles", help="bench_classroom: comma-separated servers to run (ours,baseline)")
args = parser.parse_args()
if any(v is not None for v in (args.students, args.pages, args.mode, args.profiles)):
    from bench import bench_classroom

    bench_classroom.OPTIONS.update(students=args.students, pages=args.pages, mode=args.mode,
                                   profiles=args.profiles.split(",") if args.profiles else None)
runtime.configure_torch()
print(format_table(run_all(args.names or None, quick=args.quick)))

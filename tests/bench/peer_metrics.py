#!/usr/bin/env python3
"""pytrec_eval peer of bench_metrics: evaluates the same TREC run and qrels files with trec_eval's C
code (pytrec_eval-terrier), prints its time next to multipos's and the ratio, and checks the means.

Timed: building the RelevanceEvaluator from the parsed qrels plus evaluate() on the parsed run
(file parsing excluded on both sides; multipos's figures are for evaluate() on its parsed Run).
Best of 3. pytrec_eval is single-threaded.

Usage (bench_metrics --peer runs it): peer_metrics.py QRELS RUN MULTIPOS_S_1THREAD MULTIPOS_S_2THREADS
                                      measure=mean ...
"""
import statistics
import sys
import time

import pytrec_eval


def read_qrels(path):
    qrels = {}
    with open(path) as f:
        for line in f:
            q, _, d, g = line.split()
            qrels.setdefault(q, {})[d] = int(g)
    return qrels


def read_run(path):
    run = {}
    with open(path) as f:
        for line in f:
            q, _, d, _, s, _ = line.split()
            run.setdefault(q, {})[d] = float(s)
    return run


def main():
    qrels, run = read_qrels(sys.argv[1]), read_run(sys.argv[2])
    ours_1, ours_2 = float(sys.argv[3]), float(sys.argv[4])
    ours = dict(arg.split("=") for arg in sys.argv[5:])
    best, result = 1e30, None
    for _ in range(3):
        start = time.perf_counter()
        evaluator = pytrec_eval.RelevanceEvaluator(qrels, set(ours))
        result = evaluator.evaluate(run)
        best = min(best, time.perf_counter() - start)
    print(f"pytrec_eval {getattr(pytrec_eval, '__version__', '?')}, {len(run)} queries, best of 3: {best:.3f} s")
    print(f"{'':34s} {'seconds':>8s} {'pytrec_eval / multipos':>24s}")
    print(f"{'pytrec_eval (1 thread)':34s} {best:8.3f}")
    print(f"{'multipos evaluate(), 1 thread':34s} {ours_1:8.3f} {best / ours_1:23.2f}x")
    print(f"{'multipos evaluate(), 2 threads':34s} {ours_2:8.3f} {best / ours_2:23.2f}x")
    worst = 0.0
    print(f"{'measure':14s} {'multipos':>12s} {'pytrec_eval':>12s}")
    for name, value in ours.items():
        theirs = statistics.fmean(scores[name] for scores in result.values())
        worst = max(worst, abs(theirs - float(value)))
        print(f"{name:14s} {float(value):12.6f} {theirs:12.6f}")
    print(f"largest difference between the means: {worst:.2e}" + (" (agree)" if worst < 1e-6 else " (DISAGREE)"))


if __name__ == "__main__":
    main()

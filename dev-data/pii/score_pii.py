#!/usr/bin/env python3
"""Score `quell scan` PII findings against pii-dev.jsonl spans.

usage: score_pii.py pii-dev.jsonl SCAN_OUTPUT.jsonl [--by-locale]

A predicted finding counts as a true positive when it has the gold span's entity and overlaps it (each gold span
and each finding is used once). Prints support, TP, FP, FN, precision, recall, F1 and F2 per entity and overall.
Python 3 standard library only.
"""
import argparse
import collections
import json


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def row(name, tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
    print(f"{name:<16} {tp + fn:>7} {tp:>5} {fp:>5} {fn:>5} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {f2:>6.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gold")
    ap.add_argument("scan")
    ap.add_argument("--by-locale", action="store_true")
    a = ap.parse_args()
    pred = {r["id"]: [f for f in r.get("findings", []) if f.get("kind") == "pii"] for r in read(a.scan)}
    counts = collections.defaultdict(lambda: [0, 0, 0])
    by_locale = collections.defaultdict(lambda: [0, 0, 0])
    for g in read(a.gold):
        ps = pred.get(g["id"], [])
        used = set()
        for e in g["entities"]:
            hit = next((k for k, p in enumerate(ps) if k not in used and p["entity"] == e["entity"] and p["start"] < e["end"] and e["start"] < p["end"]), None)
            if hit is None:
                counts[e["entity"]][2] += 1
                by_locale[g["locale"]][2] += 1
            else:
                used.add(hit)
                counts[e["entity"]][0] += 1
                by_locale[g["locale"]][0] += 1
        for k, p in enumerate(ps):
            if k not in used:
                counts[p["entity"]][1] += 1
                by_locale[g["locale"]][1] += 1
    print(f"{'entity':<16} {'support':>7} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'F2':>6}")
    for e in sorted(counts):
        row(e, *counts[e])
    row("all", *[sum(c[i] for c in counts.values()) for i in range(3)])
    if a.by_locale:
        print()
        for loc in sorted(by_locale):
            row(loc, *by_locale[loc])


if __name__ == "__main__":
    main()

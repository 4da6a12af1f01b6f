#!/usr/bin/env python3
"""Score `quell scan` output on a labelled record file (one label per record).

usage: score_findings.py TEST.jsonl SCAN_OUTPUT.jsonl --kinds system_prompt_leak[,secret] [--by FIELD]

TEST: records {id, label (1 positive, 0 negative), FIELD?}. A record counts as flagged when its scan result has a
finding whose kind is one of --kinds. Prints precision, recall, F1, F2, balanced accuracy and false-positive rate,
with counts, and with --by a breakdown by that field (e.g. transform). Python 3 standard library only.
"""
import argparse
import collections
import json


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def metrics(rows):
    tp = sum(1 for l, f in rows if l == 1 and f)
    fn = sum(1 for l, f in rows if l == 1 and not f)
    fp = sum(1 for l, f in rows if l == 0 and f)
    tn = sum(1 for l, f in rows if l == 0 and not f)
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    spec = tn / (tn + fp) if tn + fp else None
    f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
    f2 = 5 * p * r / (4 * p + r) if p and r else (0.0 if p is not None and r is not None else None)
    ba = (r + spec) / 2 if r is not None and spec is not None else None
    fpr = fp / (fp + tn) if fp + tn else None
    return dict(tp=tp, fp=fp, tn=tn, fn=fn, precision=p, recall=r, f1=f1, f2=f2, balanced_accuracy=ba, fpr=fpr)


def fmt(x):
    return "n/a" if x is None else f"{x:.4f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("test")
    ap.add_argument("scan")
    ap.add_argument("--kinds", required=True)
    ap.add_argument("--by")
    a = ap.parse_args()
    kinds = set(a.kinds.split(","))
    flagged = {}
    for r in read(a.scan):
        flagged[r.get("id")] = any(f.get("kind") in kinds for f in r.get("findings", []))
    test = read(a.test)
    rows = [(t["label"], flagged.get(t["id"], False)) for t in test]
    m = metrics(rows)
    print(f"records {len(rows)}  TP {m['tp']}  FP {m['fp']}  TN {m['tn']}  FN {m['fn']}")
    for k in ("precision", "recall", "f1", "f2", "balanced_accuracy", "fpr"):
        print(f"{k:<18} {fmt(m[k])}")
    if a.by:
        groups = collections.defaultdict(list)
        for t, row in zip(test, rows):
            groups[t.get(a.by, "")].append(row)
        print(f"\n{a.by:<24} {'n':>4} {'flagged':>8}")
        for g in sorted(groups):
            print(f"{g:<24} {len(groups[g]):>4} {sum(1 for _, f in groups[g] if f):>8}")


if __name__ == "__main__":
    main()

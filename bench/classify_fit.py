#!/usr/bin/env python3
"""Fits the speech / music / other decision of worker/analyses/miqw_classify.c
and prints its weights as C, with the accuracy on each half of the labelled
sets. The weights in miqw_classify.c were made by this script; rerun it when
a feature changes.

    bench/classify_fit.py RECORDED.csv SYNTHETIC.csv

Both CSVs are bench/classify_features output (bench/classify.sh --features
writes them): RECORDED over bench/classify.sh's clips of recordings Debian
packages ship (speech-LANG, music-TRACK, otherN), SYNTHETIC over the unit
set of tests/worker/test_audio_classify.c (c_* tuning, h_* held out; keep
its media with MIQ_TEST_KEEP=1 MIQ_TEST_TMP=DIR test_worker audio_classify).

Tuning half: the synthetic c_* clips and every other recorded source of each
class (by name order); held out: the rest. Only the tuning half is fitted.
Model: multinomial logistic regression (L2 0.003, full-batch gradient
descent, 2000 steps) on the standardised features and their squares (so a
class may sit between two values, as steady tones and noise do for flux).
Each (set, class) group weighs the same in the fit, so the many recorded
music blocks do not drown the few synthetic noise blocks. Blocks under -50
dBFS are not typed and not used."""
import csv
import math
import os
import sys

LAMBDA, STEPS, RATE = 0.003, 2000, 0.5
NAMES = ["ler", "edb_std", "zcr_std", "flux", "flat", "mod4", "flux_cv", "flux_ratio"]
SYN_SPEECH = {"kal", "slt", "enus", "engb", "awb", "rms", "kal16", "de", "fr", "es"}


def label_of(base, synthetic):
    if synthetic:
        n = base[2:]
        return 0 if n in SYN_SPEECH else 1 if n.startswith("m") else 2
    return {"speech": 0, "music": 1, "other": 2}[base.split("-")[0].rstrip("0123456789")]


def transform(r):
    """The inputs of the model: must match features_in() in miqw_classify.c."""
    g = lambda k: float(r[k])
    return [g("ler"), min(g("edb_std"), 30.0) / 10, g("zcr_std") * 10, math.log(g("flux") + 0.01),
            math.log(g("flat") + 1e-4), g("mod4"), math.log(g("flux_cv") + 0.01),
            min(g("flux_ratio"), 2.0)]


def main():
    rows = []
    for path, synthetic in ((sys.argv[1], False), (sys.argv[2], True)):
        for r in csv.DictReader(open(path)):
            if float(r["level_db"]) >= -50:
                rows.append((r, synthetic))
    sources = {}
    for r, syn in rows:
        if not syn:
            sources.setdefault(label_of(os.path.basename(r["file"])[:-4], False), set()).add(r["file"])
    held = {s for ss in sources.values() for i, s in enumerate(sorted(ss)) if i % 2}
    X, Y, H, S = [], [], [], []
    for r, syn in rows:
        base = os.path.basename(r["file"])[:-4]
        X.append(transform(r))
        Y.append(label_of(base, syn))
        H.append(base.startswith("h_") if syn else r["file"] in held)
        S.append(syn)
    D = len(NAMES)
    tr = [i for i in range(len(X)) if not H[i]]
    mu = [sum(X[i][d] for i in tr) / len(tr) for d in range(D)]
    sd = [math.sqrt(sum((X[i][d] - mu[d]) ** 2 for i in tr) / len(tr)) or 1.0 for d in range(D)]
    Z = []
    for x in X:
        z = [(x[d] - mu[d]) / sd[d] for d in range(D)]
        Z.append(z + [v * v for v in z] + [1.0])
    P = len(Z[0])
    groups = {}
    for i in tr:
        groups.setdefault((S[i], Y[i]), []).append(i)
    w = [0.0] * len(X)
    for ii in groups.values():
        for i in ii:
            w[i] = 1.0 / len(ii)
    tw = sum(w[i] for i in tr)
    W = [[0.0] * P for _ in range(3)]

    def scores(z):
        return [sum(W[k][d] * z[d] for d in range(P)) for k in range(3)]

    for _ in range(STEPS):
        G = [[0.0] * P for _ in range(3)]
        for i in tr:
            s = scores(Z[i])
            m = max(s)
            e = [math.exp(v - m) for v in s]
            t = sum(e)
            for k in range(3):
                g = w[i] * (e[k] / t - (Y[i] == k))
                for d in range(P):
                    G[k][d] += g * Z[i][d]
        for k in range(3):
            for d in range(P):
                W[k][d] -= RATE * (G[k][d] / tw + (LAMBDA * W[k][d] if d < P - 1 else 0))

    def pred(z):
        s = scores(z)
        return s.index(max(s))

    for title, sel in (("synthetic, tuning", lambda i: S[i] and not H[i]),
                       ("synthetic, held out", lambda i: S[i] and H[i]),
                       ("recorded, tuning", lambda i: not S[i] and not H[i]),
                       ("recorded, held out", lambda i: not S[i] and H[i])):
        M = [[0] * 3 for _ in range(3)]
        for i in range(len(X)):
            if sel(i):
                M[Y[i]][pred(Z[i])] += 1
        n, c = sum(map(sum, M)), sum(M[k][k] for k in range(3))
        print(f"/* {title}: {c}/{n} = {100 * c / max(n, 1):.1f} % (rows speech, music, other: {M}) */")
    f = lambda v: f"{v:.6f}"
    print(f"static const double feat_mean[NFEAT] = {{{', '.join(map(f, mu))}}};")
    print(f"static const double feat_sd[NFEAT] = {{{', '.join(map(f, sd))}}};")
    print("/* per class: NFEAT linear terms, NFEAT square terms, the bias */")
    print("static const double class_w[3][2 * NFEAT + 1] = {")
    for k in range(3):
        print(f"    {{{', '.join(map(f, W[k]))}}},")
    print("};")


if __name__ == "__main__":
    main()

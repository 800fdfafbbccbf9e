#!/usr/bin/env python3
"""A strict checker of the OpenMetrics 1.0 text format (the subset /metrics
uses and every rule that subset must keep): reads the exposition on stdin,
prints each problem, exits 1 on any. Rules from the OpenMetrics 1.0
specification: the '# EOF' end, metadata before samples, one block per
family, sample names per type, label syntax and escapes, unique label sets,
histogram buckets ascending and cumulative with +Inf equal to _count,
counters never negative, UNIT a suffix of the family name."""
import math
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
VALUE = r'(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN)'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(.*)\})? (' + VALUE + r')( [0-9]+(?:\.[0-9]+)?)?$')
LABELPAIR = re.compile(r'(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
TYPES = {'counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown'}
SUFFIXES = {
    'counter': ['_total', '_created'],
    'gauge': [''],
    'histogram': ['_bucket', '_count', '_sum', '_created'],
    'unknown': [''],
    'info': ['_info'],
    'stateset': [''],
    'summary': ['', '_count', '_sum', '_created'],
    'gaugehistogram': ['_bucket', '_gcount', '_gsum'],
}


def parse_labels(text, problems, lineno):
    labels = {}
    pos = 0
    while pos < len(text):
        m = LABELPAIR.match(text, pos)
        if not m:
            problems.append(f'line {lineno}: bad label syntax at {text[pos:]!r}')
            return None
        if m.group(1) in labels:
            problems.append(f'line {lineno}: label {m.group(1)} twice')
        labels[m.group(1)] = m.group(2)
        pos = m.end()
    return labels


def check(text):
    problems = []
    if not text.endswith('# EOF\n') and not text.endswith('# EOF'):
        problems.append('the exposition does not end with "# EOF"')
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines = lines[:-1]
    families = {}     # name -> type
    done = set()      # families whose block has ended
    current = None
    seen_samples = set()
    hist = {}         # (family, labels-without-le) -> dict
    eof = False
    for n, line in enumerate(lines, 1):
        if eof:
            problems.append(f'line {n}: text after # EOF')
            break
        if line == '# EOF':
            eof = True
            continue
        if line.startswith('#'):
            m = re.match(r'^# (TYPE|UNIT|HELP) (' + NAME + r')(?: (.*))?$', line)
            if not m:
                problems.append(f'line {n}: bad metadata line {line!r}')
                continue
            kind, fam, rest = m.group(1), m.group(2), m.group(3) or ''
            if fam != current:
                if fam in done or fam in families:
                    problems.append(f'line {n}: family {fam} is not one block')
                if current:
                    done.add(current)
                current = fam
            if kind == 'TYPE':
                if rest not in TYPES:
                    problems.append(f'line {n}: unknown type {rest!r}')
                if fam in families:
                    problems.append(f'line {n}: second TYPE for {fam}')
                families[fam] = rest
                if rest == 'counter' and fam.endswith('_total'):
                    problems.append(f'line {n}: counter family {fam} must not end in _total')
            elif kind == 'UNIT':
                if not rest or not fam.endswith('_' + rest):
                    problems.append(f'line {n}: UNIT {rest!r} is not the suffix of {fam}')
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append(f'line {n}: bad sample line {line!r}')
            continue
        name, labeltext, value = m.group(1), m.group(3), m.group(4)
        labels = parse_labels(labeltext, problems, n) if labeltext else {}
        if labels is None:
            continue
        if current is None or current not in families:
            problems.append(f'line {n}: sample {name} before its family TYPE')
            continue
        ftype = families[current]
        suffix = name[len(current):] if name.startswith(current) else None
        if suffix is None or suffix not in SUFFIXES[ftype]:
            problems.append(f'line {n}: sample {name} does not belong to {ftype} {current}')
            continue
        key = (name, tuple(sorted(labels.items())))
        if key in seen_samples:
            problems.append(f'line {n}: duplicate sample {line!r}')
        seen_samples.add(key)
        v = float(value.replace('Inf', 'inf'))
        if ftype in ('counter', 'histogram') and (math.isnan(v) or v < 0) and suffix != '_created':
            problems.append(f'line {n}: {name} must be a non-negative number')
        if ftype == 'histogram':
            base = tuple(sorted((k, x) for k, x in labels.items() if k != 'le'))
            h = hist.setdefault((current, base), {'buckets': [], 'count': None})
            if suffix == '_bucket':
                if 'le' not in labels:
                    problems.append(f'line {n}: bucket without le')
                    continue
                h['buckets'].append((float(labels['le'].replace('Inf', 'inf')), v, n))
            elif suffix == '_count':
                h['count'] = v
            elif 'le' in labels:
                problems.append(f'line {n}: le on {name}')
    if not eof:
        problems.append('no # EOF line')
    for (fam, base), h in hist.items():
        b = h['buckets']
        if not b or b[-1][0] != math.inf:
            problems.append(f'{fam}{dict(base)}: no +Inf bucket last')
        for i in range(1, len(b)):
            if b[i][0] <= b[i - 1][0]:
                problems.append(f'line {b[i][2]}: le not ascending')
            if b[i][1] < b[i - 1][1]:
                problems.append(f'line {b[i][2]}: buckets not cumulative')
        if b and h['count'] is not None and h['count'] != b[-1][1]:
            problems.append(f'{fam}{dict(base)}: _count {h["count"]} differs from +Inf {b[-1][1]}')
        if h['count'] is None:
            problems.append(f'{fam}{dict(base)}: no _count')
    return problems


if __name__ == '__main__':
    problems = check(sys.stdin.read())
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)

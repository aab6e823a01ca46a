#!/usr/bin/env python3
"""Writes spec/ops/erf-values.json: float64 inputs with their correctly rounded erf.

Run from the repository root (needs mpmath, tested with 1.3.0):

    python3 spec/ops/erf-values.py

The output is deterministic (fixed grid, seeded random points, sorted, fixed formatting), so
rerunning it must leave the committed JSON unchanged. Each truth value is computed from the exact
binary value of the input at two working precisions (about 66 and 90 digits); the script fails if
the two roundings to float64 disagree. Rounding goes through an exact Fraction, because CPython's
int/int true division is correctly rounded, subnormals included (mpmath's own float conversion is
not guaranteed to round to nearest).

Numbers are written as strings: repr() of a Python float is the shortest decimal that round-trips,
and Number(s) in JavaScript parses it back to the same double; '-0.0' keeps the sign of zero.
"""
import json
import math
import random
from fractions import Fraction
from pathlib import Path

import mpmath

OUT = Path(__file__).with_name('erf-values.json')

# Branch boundaries of src/ops/erf.ts (keep in sync): the scaled subnormal path (2^-1000), the
# tiny-argument path (2^-28), the series' term counts (z = x^2 = 1/4 and 1), series/continued
# fraction (1.5), where erf starts rounding to exactly 1 (erfc(x) = 2^-54) and the early return (6).
CROSSOVERS = [2.0 ** -1000, 2.0 ** -28, 0.5, 1.0, 1.5, 5.9215871957945, 6.0]


def exact_fraction(v):
    """The exact rational value of a finite nonzero mpf (man_exp drops the sign)."""
    sign, man, exp, _ = v._mpf_
    return (-1 if sign else 1) * Fraction(man) * (Fraction(2) ** exp)


def rounded(f, x, prec):
    with mpmath.workprec(prec):
        v = f(mpmath.mpf(x))
        if v == 0:
            return 0.0
        return float(exact_fraction(v))


def truth(f, x):
    a = rounded(f, x, 220)
    b = rounded(f, x, 300)
    if a != b and not (math.isnan(a) and math.isnan(b)):
        raise SystemExit(f'precision disagreement at {x!r}: {a!r} vs {b!r}')
    return a


def neighbours(x, k):
    """x and the k doubles on either side of it."""
    out = [x]
    lo = hi = x
    for _ in range(k):
        lo = math.nextafter(lo, -math.inf)
        hi = math.nextafter(hi, math.inf)
        out += [lo, hi]
    return out


def inputs():
    rng = random.Random(20261126)
    xs = set()
    # Dense, regular grid over [0, 7] (step 1/128, exact binary fractions) and the same grid shifted
    # so that its points have full mantissas.
    xs.update(i / 128 for i in range(0, 7 * 128 + 1))
    xs.update(i / 128 + 0.0017320508075688772 for i in range(0, 7 * 128))
    # Uniform random points over [0, 7].
    xs.update(rng.uniform(0, 7) for _ in range(400))
    # Log-spaced magnitudes from 1e-310 up to 30 (about 1.3 points a decade, each with a jittered twin).
    for i in range(0, 250):
        e = -310 + i * (math.log10(30) + 310) / 249
        xs.add(10.0 ** e)
        xs.add(10.0 ** (e + rng.uniform(0, 0.5)))
    # Subnormal inputs and the normal/subnormal boundary.
    tiny = 5e-324
    xs.update(k * tiny for k in (1, 2, 3, 7, 8, 9, 1000, 123456789, 2 ** 40 + 1, 2 ** 51 - 1, 2 ** 52 - 1))
    xs.update(neighbours(2.2250738585072014e-308, 2))
    xs.update(rng.uniform(0, 2.2250738585072014e-308) for _ in range(20))
    # Powers of two down to the smallest subnormal.
    xs.update(2.0 ** -e for e in range(1, 1075, 7))
    # Each crossover: neighbouring doubles and points a little further away.
    for c in CROSSOVERS:
        xs.update(neighbours(c, 3))
        xs.update(c * (1 + s * d) for s in (-1, 1) for d in (1e-12, 1e-9, 1e-6, 1e-3))
    # Large arguments.
    xs.update([7.5, 8.0, 10.0, 15.0, 20.0, 25.0, 26.0, 30.0])
    xs.discard(0.0)
    pos = sorted(x for x in xs if 0 < x <= 30)
    return [-0.0, 0.0] + pos + [-x for x in pos]


def main():
    mpmath.mp.prec = 220
    rows = []
    for x in sorted(inputs(), key=lambda v: (v, math.copysign(1, v))):
        e = x if x == 0 else truth(mpmath.erf, x)  # erf keeps the sign of zero
        rows.append([repr(x), repr(e)])
    doc = {
        'description': 'float64 x and correctly rounded erf(x) (mpmath, see erf-values.py); '
                       'all numbers are decimal strings that round-trip to the exact double',
        'columns': ['x', 'erf'],
        'rows': rows,
    }
    text = json.dumps(doc, indent=None, separators=(',', ':'))
    # One row per line keeps diffs readable.
    text = text.replace('],[', '],\n[')
    OUT.write_text(text + '\n')
    print(f'wrote {len(rows)} rows to {OUT}')


if __name__ == '__main__':
    main()

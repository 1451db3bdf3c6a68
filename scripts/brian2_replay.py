#!/usr/bin/python3
"""Replay the cued trials of an hdsnn export (hdsnn deploy, package export)
in Brian2 and write the network's own spikes.

Usage: /usr/bin/python3 scripts/brian2_replay.py EXPORT_DIR [--out spikes.npy]
       [--patterns 0,1,...]

EXPORT_DIR holds pre/post/delay/weight/scale.npy, neurons.json and
input.npy (the clamp input x of each cued trial: background, then the cue).
The output is a uint8 array (M, N, L) of the network's own spikes s, the
layout of the spikes.npy that "hdsnn recall" writes.

The discrete update of SPEC section 2.1 is rebuilt step for step, one Brian2
time step (dt = 1 ms) per hdsnn step. Within a step Brian2 runs, in order:

  before_thresholds  run_regularly: r = u > theta (the previous step
                     spiked); u = beta*u + I - theta*r (subtract reset) or
                     u = beta*(1 - r)*u + I (zero reset); s = u > theta;
                     I = 0. Before step D nothing is computed (u stays 0,
                     s = 0), as in hdsnn.
  thresholds         the transmitted spike: seen = s OR x(t)
  synapses           every seen spike of step t' reaches I at the delivery
                     of step t' + delay - 1, so it is in the current
                     I(t' + delay) of the update one step later: hdsnn's
                     delay d (1..D) is a Brian2 delay of (d - 1) * dt.

Each update is written as single binary operations in hdsnn's order
(beta*u, then + I, then - theta*r) so that every floating-point operation
is the same as in the Go simulator. Only the order in which the synaptic
weights are summed into I differs; with weights that sum exactly (on a
dyadic grid, see export.Dyadic) the spikes are identical.
"""

import argparse
import json
import os
import sys

import numpy as np


def replay(d, patterns=None):
    from brian2 import (EventMonitor, Network, NeuronGroup, Synapses,
                        TimedArray, defaultclock, ms, prefs, start_scope)

    prefs.codegen.target = "numpy"
    with open(os.path.join(d, "neurons.json")) as f:
        nj = json.load(f)
    n, D = nj["n"], nj["delays"]
    pre = np.load(os.path.join(d, "pre.npy")).astype(np.int64)
    post = np.load(os.path.join(d, "post.npy")).astype(np.int64)
    delay = np.load(os.path.join(d, "delay.npy")).astype(np.int64)
    weight = np.load(os.path.join(d, "weight.npy"))
    scale = np.load(os.path.join(d, "scale.npy"))
    w = weight.astype(np.float64) * scale[post]
    x = np.load(os.path.join(d, "input.npy"))  # (M, N, L)
    m_all, _, L = x.shape
    if patterns is None:
        patterns = range(m_all)
    if nj["dt_ms"] != 1:
        sys.exit("neurons.json: dt_ms = %r; this replay makes one step per 1 ms" % nj["dt_ms"])
    # One binary operation per statement, in the Go simulator's order:
    # beta*u, then + I, then - theta*r. on(t) is 0 before step D and 1 from
    # it on, so on(t)*I is exactly 0 or I: u stays 0 (and silent) until D.
    if nj["reset"] == "subtract":
        code = "r = int(u > theta)\nu1 = beta*u\nu2 = u1 + on(t)*I\nu = u2 - theta*r"
    elif nj["reset"] == "zero":
        code = "r = int(u > theta)\nu0 = (1 - r)*u\nu1 = beta*u0\nu = u1 + on(t)*I"
    else:
        sys.exit("neurons.json: reset %r is not known" % nj["reset"])
    code += "\nspk = int(u > theta)\nI = 0"
    on = TimedArray((np.arange(L) >= D).astype(np.float64), dt=1 * ms)
    out = np.zeros((m_all, n, L), dtype=np.uint8)
    for m in patterns:
        start_scope()
        defaultclock.dt = 1 * ms
        xin = TimedArray(np.ascontiguousarray(x[m].T, dtype=np.float64), dt=1 * ms)
        g = NeuronGroup(n, "u : 1\nI : 1\nspk : 1",
                        threshold="spk > 0.5 or xin(t, i) > 0.5", reset="",
                        events={"own": "spk > 0.5"})
        g.run_regularly(code, when="before_thresholds")
        s = Synapses(g, g, "w : 1", on_pre="I_post += w")
        s.connect(i=pre, j=post)
        s.w = w
        s.delay = (delay - 1) * ms
        mon = EventMonitor(g, "own")
        net = Network(g, s, mon)
        net.run(L * ms, namespace={"beta": nj["beta"], "theta": nj["theta"],
                                   "xin": xin, "on": on})
        steps = np.rint(np.asarray(mon.t / ms)).astype(np.int64)
        out[m, np.asarray(mon.i, dtype=np.int64), steps] = 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="export directory (hdsnn deploy --out)")
    ap.add_argument("--out", help="spikes file (default DIR/brian2_spikes.npy)")
    ap.add_argument("--patterns", help="comma-separated pattern indices (default all)")
    a = ap.parse_args()
    pats = None
    if a.patterns:
        pats = [int(v) for v in a.patterns.split(",")]
    spikes = replay(a.dir, pats)
    out = a.out or os.path.join(a.dir, "brian2_spikes.npy")
    tmp = out + ".tmp.npy"
    np.save(tmp, spikes)
    os.replace(tmp, out)
    print("wrote %s: %d spikes" % (out, int(spikes.sum())))


if __name__ == "__main__":
    main()

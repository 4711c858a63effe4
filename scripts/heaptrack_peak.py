#!/usr/bin/env python3
"""What is alive at the heap peak of one run, from heaptrack's raw record.

heaptrack_interpret 1.4 aborts with std::bad_alloc after ~21M allocations (a cold
`validate` on L makes 42M), so `heaptrack_print` reports only the run up to there.
This replays the raw record instead:

    heaptrack -r -o /tmp/x target/release/alertctl -C COPY validate --promtool off
    zstdcat /tmp/x.raw.zst > /tmp/x.txt
    DEPTH=3 scripts/heaptrack_peak.py /tmp/x.txt target/release/alertctl [TOP]

Build the binary without the `#[global_allocator]` (heaptrack sees only malloc); the
binary may be `objcopy --strip-debug`ed for the run, but give the unstripped one here.
Prints the live bytes at the peak by innermost alertctl frame, and by the innermost
DEPTH alertctl frames.
"""
import sys, collections, subprocess, re, os
raw, binary = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
# pass 1: peak line
live = {}; cur = 0; peak = 0; peak_at = 0; n = 0
with open(raw) as f:
    for n, l in enumerate(f):
        c = l[0]
        if c == '+':
            _, s, t, p = l.split()
            s = int(s, 16); live[p] = s; cur += s
            if cur > peak: peak, peak_at = cur, n
        elif c == '-':
            s = live.pop(l[2:-1], None)
            if s is not None: cur -= s
print(f"peak {peak/1e6:.1f} MB at line {peak_at} of {n}; end {cur/1e6:.1f} MB", file=sys.stderr)
# pass 2: replay to the peak
traces = [(0, 0)]; live = {}; base = None; mods = []
with open(raw) as f:
    for i, l in enumerate(f):
        c = l[0]
        if c == 't':
            _, ip, par = l.split(); traces.append((int(ip, 16), int(par, 16)))
        elif c == 'm':
            parts = l.split()
            if len(parts) > 3 and parts[2] != '-':
                mods.append((parts[2], int(parts[3], 16)))
        elif c == '+':
            _, s, t, p = l.split(); live[p] = (int(s, 16), int(t, 16))
        elif c == '-':
            live.pop(l[2:-1], None)
        if i >= peak_at: break
exe = mods[0]
base = exe[1]
bytrace = collections.Counter()
for s, t in live.values(): bytrace[t] += s
ips = set()
def chain(t):
    out = []
    while t:
        ip, t = traces[t]; out.append(ip)
    return out
chains = {t: chain(t) for t in bytrace}
for ch in chains.values(): ips.update(ch)
exe_ips = sorted(ip for ip in ips if ip >= base and ip < base + 0x10000000)
# -a prints each address before its (function, file:line) pairs, innermost inline first.
res = subprocess.run(["addr2line", "-a", "-f", "-i", "-C", "-e", binary] + [hex(ip - base - 1) for ip in exe_ips],
                     capture_output=True, text=True).stdout.split("\n")
sym = {}; cur_ip = None
it = iter(res)
for l in it:
    if l.startswith("0x"):
        cur_ip = int(l, 16) + base + 1; sym[cur_ip] = []
    elif l:
        loc = next(it, "")
        sym[cur_ip].append((l, loc))
def frames(ch):
    out = []
    for ip in ch:  # leaf first
        for fn, loc in sym.get(ip, []):  # innermost inline first
            out.append((fn, loc))
    return out
src = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")) + "/"
agg = collections.Counter(); agg_inner = collections.Counter()
depth = int(os.environ.get("DEPTH", 3))
for t, s in bytrace.items():
    fr = frames(chains[t])
    mine = []
    for fn, loc in fr:
        if loc.startswith("src/") or loc.startswith(src) or ("alertctl::" in fn and "/.cargo/" not in loc):
            name = re.sub(r"\(.*", "", fn.split("::<")[0]).replace("alertctl::", "")
            f = loc.split(":")[0].split("src/")[-1]
            mine.append(f"{name}")
    mine = [m for i, m in enumerate(mine) if i == 0 or m != mine[i-1]]
    agg_inner[mine[0] if mine else "?"] += s
    agg[" < ".join(mine[:depth])] += s
print(f"live at peak: {sum(bytrace.values())/1e6:.1f} MB")
print("== innermost alertctl frame")
for k, s in agg_inner.most_common(top): print(f"{s/1e6:7.1f} MB  {k}")
print(f"== innermost {depth} alertctl frames (leaf < caller)")
for k, s in agg.most_common(top): print(f"{s/1e6:7.1f} MB  {k}")

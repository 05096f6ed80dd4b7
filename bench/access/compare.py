#!/usr/bin/python3
"""The peers' side of bench/access/compare.ts: the same walk graph and the same sources, searched by
scipy.sparse.csgraph.dijkstra (C, min_only, limit) and networkx.multi_source_dijkstra_path_length
(pure Python, cutoff).

Reads DIR/graph.json (n, arcs, categories with seed counts) and the raw arrays DIR/offsets.u32,
adj.u32, adjw.f64, seednode.u32, seeddist.f64. A seed is (node, initial distance); neither peer
takes initial distances, so each seed becomes a leaf node hanging off its graph node by an edge of
that length (all categories' leaves are added once, before timing). Timed: only the search calls,
on graphs already built; scipy: the best of `repeat` runs. Prints JSON.
"""
import json, math, sys, time
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

d = sys.argv[1]
nx_categories = int(sys.argv[2]) if len(sys.argv) > 2 else 2
repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 1
meta = json.load(open(f'{d}/graph.json'))
n, cutoff = meta['n'], meta['cutoff']
offsets = np.fromfile(f'{d}/offsets.u32', dtype=np.uint32).astype(np.int64)
adj = np.fromfile(f'{d}/adj.u32', dtype=np.uint32).astype(np.int64)
adjw = np.fromfile(f'{d}/adjw.f64', dtype=np.float64)
seednode = np.fromfile(f'{d}/seednode.u32', dtype=np.uint32).astype(np.int64)
seeddist = np.fromfile(f'{d}/seeddist.f64', dtype=np.float64)
ns = len(seednode)
N = n + ns
leaf = n + np.arange(ns)

t0 = time.perf_counter()
rows = np.repeat(np.arange(n), np.diff(offsets))
# the CSR already holds both directions; add leaf edges both ways; zero-length legs get a hair
w = np.maximum(seeddist, 1e-9)
G = sp.csr_matrix((np.concatenate([adjw, w, w]), (np.concatenate([rows, leaf, seednode]), np.concatenate([adj, seednode, leaf]))), shape=(N, N))
G.sum_duplicates()
build_scipy = time.perf_counter() - t0

out = {'n': n, 'leaves': int(ns), 'arcs': int(len(adj)), 'scipy': [], 'networkx': []}
start = 0
check = {}
for c in meta['categories']:
    k = c['seeds']
    idx = leaf[start:start + k]
    start += k
    if k == 0:
        continue
    el = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        dist = dijkstra(G, directed=True, indices=idx, min_only=True, limit=cutoff)
        el = min(el, time.perf_counter() - t)
    reached = int(np.isfinite(dist[:n]).sum())
    out['scipy'].append({'category': c['id'], 'seconds': el, 'reached': reached})
    if c['id'] == meta['check']:
        check = {'sum': float(dist[:n][np.isfinite(dist[:n])].sum()), 'reached': reached, 'sample': [float(x) if np.isfinite(x) else None for x in dist[:n][::max(1, n // 1000)]]}
out['scipy_check'] = check
out['scipy_build_seconds'] = build_scipy

if nx_categories > 0:
    import networkx as nx
    t = time.perf_counter()
    H = nx.Graph()
    coo = G.tocoo()
    H.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    out['networkx_build_seconds'] = time.perf_counter() - t
    start = 0
    done = 0
    for c in meta['categories']:
        k = c['seeds']
        idx = leaf[start:start + k]
        start += k
        if k == 0 or done >= nx_categories:
            continue
        t = time.perf_counter()
        res = nx.multi_source_dijkstra_path_length(H, set(idx.tolist()), cutoff=cutoff, weight='weight')
        el = time.perf_counter() - t
        out['networkx'].append({'category': c['id'], 'seconds': el, 'reached': sum(1 for v in res if v < n)})
        done += 1
json.dump(out, sys.stdout)

#!/usr/bin/python3
"""Independent walking distances for cross-checking src/network on real OSM data.

Reads the walkable ways itself (`osmium export` GeoJSON, the walk filter of
reference/facility-taxonomy.md written out again here), builds a vertex-level graph joined by
identical coordinates (no node ids, no contraction), snaps places by a full numpy scan of the
segments, splices the snap points into their segments, and runs
`scipy.sparse.csgraph.dijkstra(indices=<facility nodes>, min_only=True, limit=cutoff)` per category.
Polygons (parks, large facilities) are reached at their boundary: the parts of segments inside them
(their ends are sources; an origin snapped inside is at the place), every segment touching them, and every segment within
`polygon_reach` of the boundary at its closest point (the gap as access leg); failing those, the
nearest segment within the snap limit. Computed with numpy matrices over segments × ring edges.

stdin: JSON {"pbf": path, "origins": [[lon, lat], ...], "facilities": {category: [geometry, ...]},
             "cutoff": m, "snap_limit": m, "polygon_reach": m, "island_max": m}
stdout: JSON {"distances": {category: [metres or null, ...]}, "stats": {...}}
XCHECK_DEBUG=1: the polygon contacts on stderr, one JSON line per polygon.
"""
import json, math, subprocess, sys
import os
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

DEBUG = os.environ.get('XCHECK_DEBUG') == '1'
NOT_WALK = {'abandoned', 'bus_guideway', 'construction', 'cycleway', 'motor', 'planned', 'platform',
            'proposed', 'raceway', 'motorway', 'motorway_link'}


def walkable(t):
    hw = t.get('highway')
    if hw is None or hw in NOT_WALK:
        return False
    if t.get('area') == 'yes' or t.get('foot') == 'no' or t.get('service') == 'private':
        return False
    if t.get('access') in ('private', 'no') and t.get('foot') not in ('yes', 'designated', 'permissive'):
        return False
    return True


# WGS84: metres per degree of longitude / latitude at latitude phi (prime vertical and meridional radii)
A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)


def scale(lat_deg):
    phi = np.radians(lat_deg)
    w2 = 1 - E2 * np.sin(phi) ** 2
    kx = A * np.cos(phi) / np.sqrt(w2) * math.pi / 180
    ky = A * (1 - E2) / w2 ** 1.5 * math.pi / 180
    return kx, ky


def read_ways(pbf):
    out = subprocess.run(['osmium', 'export', '-f', 'geojsonseq', '-a', 'type,id', '--geometry-types=linestring,polygon',
                          '-o', '-', pbf], capture_output=True, check=True).stdout.decode('utf8')
    ways = {}
    for line in out.splitlines():
        line = line.strip().lstrip('\x1e')
        if not line:
            continue
        f = json.loads(line)
        p = f['properties']
        if p.get('@type') != 'way' or not walkable(p):
            continue
        g = f['geometry']
        coords = g['coordinates'] if g['type'] == 'LineString' else g['coordinates'][0] if g['type'] == 'Polygon' else None
        if coords and len(coords) >= 2:
            ways.setdefault(p['@id'], coords)
    return list(ways.values())


def main():
    inp = json.load(sys.stdin)
    cutoff, limit = inp['cutoff'], inp['snap_limit']
    reach, island_max = inp.get('polygon_reach', 25), inp.get('island_max', 1000)
    ways = read_ways(inp['pbf'])

    # vertex graph joined by identical coordinates
    key, xs, ys = {}, [], []
    sa, sb = [], []
    for coords in ways:
        prev = -1
        for c in coords:
            k = (c[0], c[1])
            v = key.get(k)
            if v is None:
                v = key[k] = len(xs)
                xs.append(c[0]); ys.append(c[1])
            if prev >= 0 and prev != v:
                sa.append(prev); sb.append(v)
            prev = v
    xs, ys = np.array(xs), np.array(ys)
    sa, sb = np.array(sa), np.array(sb)
    n0 = len(xs)
    kx, ky = scale((ys[sa] + ys[sb]) / 2)
    seglen = np.hypot((xs[sb] - xs[sa]) * kx, (ys[sb] - ys[sa]) * ky)

    # components; tiny islands (not the largest, shorter than island_max) are not snapped to
    g0 = sp.coo_matrix((np.ones(len(sa)), (sa, sb)), shape=(n0, n0))
    ncomp, label = connected_components(g0, directed=False)
    comp_len = np.bincount(label[sa], weights=seglen, minlength=ncomp)
    largest = int(np.argmax(comp_len))
    tiny_comp = (comp_len < island_max) & (np.arange(ncomp) != largest)
    seg_ok = ~tiny_comp[label[sa]]
    ax, ay, bx, by = xs[sa], ys[sa], xs[sb], ys[sb]

    def snap(lon, lat):
        """nearest non-island segment: (segment, t, distance) or None"""
        kx, ky = scale(lat)
        px, py = (ax - lon) * kx, (ay - lat) * ky
        qx, qy = (bx - lon) * kx, (by - lat) * ky
        dx, dy = qx - px, qy - py
        l2 = dx * dx + dy * dy
        with np.errstate(invalid='ignore', divide='ignore'):
            t = np.where(l2 > 0, -(px * dx + py * dy) / l2, 0.0)
        t = np.clip(t, 0, 1)
        d = np.hypot(px + t * dx, py + t * dy)
        d = np.where(seg_ok, d, np.inf)
        i = int(np.argmin(d))
        return (i, float(t[i]), float(d[i])) if d[i] <= limit else None

    # places → leaf nodes hanging off points spliced into segments
    splits = {}  # segment -> [(t, node)]
    n = [n0]
    extra = []  # (u, v, w)

    def new_node():
        n[0] += 1
        return n[0] - 1

    def attach(s):
        seg, t, d = s
        p = new_node()
        splits.setdefault(seg, []).append((t, p))
        leaf = new_node()
        extra.append((leaf, p, max(d, 1e-9)))
        return leaf

    origin_leaf, origin_snap = [], []
    for lon, lat in inp['origins']:
        s = snap(lon, lat)
        origin_snap.append(s)
        origin_leaf.append(attach(s) if s else -1)

    # category -> segment -> [(t0, t1)]: stretches inside a polygon, where the place already is. Their
    # ends are sources; an origin snapped inside one is at the place (only its access leg counts)
    inside_stretch = {}

    def pip(px, py, cx, cy, ex, ey):
        """even-odd point in polygon for points (P) against all ring edges (E): P booleans"""
        px, py = px[:, None], py[:, None]
        cond = (cy > py) != (ey > py)
        with np.errstate(invalid='ignore', divide='ignore'):
            xint = (ex - cx) * (py - cy) / (ey - cy) + cx
        return ((cond & (px < xint)).sum(axis=1) % 2) == 1

    def pseg(px, py, ax_, ay_, bx_, by_):
        """distance and parameter of the closest point of segments a-b to points p (broadcast)"""
        dx, dy = bx_ - ax_, by_ - ay_
        l2 = dx * dx + dy * dy
        with np.errstate(invalid='ignore', divide='ignore'):
            t = np.where(l2 > 0, ((px - ax_) * dx + (py - ay_) * dy) / l2, 0.0)
        t = np.clip(t, 0, 1)
        return np.hypot(ax_ + t * dx - px, ay_ + t * dy - py), t

    def polygon_contacts(geom):
        """[(segment, t0, t1, cost)]: inside stretches (cost 0), touches, and gaps within reach; else the nearest within limit"""
        polys = [geom['coordinates']] if geom['type'] == 'Polygon' else geom['coordinates']
        rings = [np.array(r, dtype=float) for p in polys for r in p if len(r) >= 3]
        allpts = np.concatenate(rings)
        x0, y0 = allpts.min(axis=0)
        x1, y1 = allpts.max(axis=0)
        clon, clat = (x0 + x1) / 2, (y0 + y1) / 2
        kx, ky = scale(clat)
        C, D = [], []
        for r in rings:
            if r[0][0] != r[-1][0] or r[0][1] != r[-1][1]:
                r = np.vstack([r, r[:1]])
            C.append(r[:-1]); D.append(r[1:])
        C, D = np.concatenate(C), np.concatenate(D)
        cx, cy = (C[:, 0] - clon) * kx, (C[:, 1] - clat) * ky
        ex, ey = (D[:, 0] - clon) * kx, (D[:, 1] - clat) * ky
        # candidate segments: bounding boxes within the snap limit of the polygon's
        m = limit / min(kx, ky) * 1.01
        cand = np.nonzero(seg_ok & (np.minimum(ax, bx) <= x1 + m) & (np.maximum(ax, bx) >= x0 - m)
                          & (np.minimum(ay, by) <= y1 + m) & (np.maximum(ay, by) >= y0 - m))[0]
        if len(cand) == 0:
            return []
        Ax, Ay = (ax[cand] - clon) * kx, (ay[cand] - clat) * ky
        Bx, By = (bx[cand] - clon) * kx, (by[cand] - clat) * ky
        dx, dy = (Bx - Ax)[:, None], (By - Ay)[:, None]
        fx, fy = (ex - cx)[None, :], (ey - cy)[None, :]
        den = dx * fy - dy * fx
        wx, wy = cx[None, :] - Ax[:, None], cy[None, :] - Ay[:, None]
        with np.errstate(invalid='ignore', divide='ignore'):
            t = (wx * fy - wy * fx) / den
            u = (wx * dy - wy * dx) / den
        hit = (den != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
        a_in = pip(Ax, Ay, cx, cy, ex, ey)
        out = []  # (dist, segment, t0, t1)
        meets = hit.any(axis=1) | a_in
        inside_segs = set()
        for k in np.nonzero(meets)[0]:
            ts = np.unique(np.concatenate([[0.0, 1.0], t[k][hit[k]]]))
            mids = (ts[:-1] + ts[1:]) / 2
            inside = pip(Ax[k] + mids * dx[k, 0], Ay[k] + mids * dy[k, 0], cx, cy, ex, ey) & (np.diff(ts) > 1e-12)
            runs = []
            for j in np.nonzero(inside)[0]:
                if runs and runs[-1][1] == ts[j]:
                    runs[-1][1] = ts[j + 1]
                else:
                    runs.append([ts[j], ts[j + 1]])
            if runs:
                inside_segs.add(k)
                out.extend((0.0, cand[k], r0, r1) for r0, r1 in runs)
        # apart or touching: every closest point; equally close points form a stretch when its middle is as close
        rest = np.array([k for k in range(len(cand)) if k not in inside_segs], dtype=int)
        if len(rest):
            X = lambda v: v[rest][:, None]
            d1, _ = pseg(X(Ax), X(Ay), cx, cy, ex, ey)
            d2, _ = pseg(X(Bx), X(By), cx, cy, ex, ey)
            d3, t3 = pseg(cx, cy, X(Ax), X(Ay), X(Bx), X(By))
            d4, t4 = pseg(ex, ey, X(Ax), X(Ay), X(Bx), X(By))
            Dm = np.concatenate([d1, d2, d3, d4], axis=1)
            Tm = np.concatenate([np.zeros_like(d1), np.ones_like(d2), t3, t4], axis=1)
            dmin = Dm.min(axis=1)
            for row, k in enumerate(rest):
                d = float(dmin[row])
                if d > limit:
                    continue
                ts = np.sort(Tm[row][Dm[row] <= d + 1e-6])
                r0 = r1 = ts[0]
                for tt in list(ts[1:]) + [None]:
                    if tt is not None:
                        tm = (r1 + tt) / 2
                        dm, _ = pseg(Ax[k] + tm * dx[k, 0], Ay[k] + tm * dy[k, 0], cx, cy, ex, ey)
                        if tt - r1 <= 1e-12 or dm.min() <= d + 1e-6:
                            r1 = tt
                            continue
                    out.append((d, cand[k], float(r0), float(r1)))
                    if tt is not None:
                        r0 = r1 = tt
        near = [c for c in out if c[0] <= min(reach, limit)]
        if near:
            return near
        within = [c for c in out if c[0] <= limit]
        if not within:
            return []
        first = min(within)
        return [c for c in within if c[0] == first[0] and c[1] == first[1]]

    fac_leaves = {}
    unsnapped = {}
    for cat, geoms in inp['facilities'].items():
        leaves = []
        miss = 0
        for g in geoms:
            if g['type'] == 'Point':
                s = snap(*g['coordinates'])
                if s:
                    leaves.append(attach(s))
                else:
                    miss += 1
                continue
            contacts = polygon_contacts(g)
            if DEBUG:
                pts = []
                for cost, seg, t0, t1 in contacts:
                    for tt in ([t0, t1] if t1 > t0 else [t0]):
                        pts.append([ax[seg] + (bx[seg] - ax[seg]) * tt, ay[seg] + (by[seg] - ay[seg]) * tt, cost])
                print(json.dumps({'cat': cat, 'contacts': pts}), file=sys.stderr)
            if not contacts:
                miss += 1
            for cost, seg, t0, t1 in contacts:
                leaves.append(attach((seg, t0, cost)))
                if t1 > t0:
                    leaves.append(attach((seg, t1, cost)))
                    inside_stretch.setdefault(cat, {}).setdefault(seg, []).append((t0, t1, cost))

        fac_leaves[cat] = leaves
        unsnapped[cat] = miss

    us, vs, ws = [], [], []
    for i in range(len(sa)):
        pts = sorted(splits.get(i, []))
        chain = [(0.0, int(sa[i]))] + pts + [(1.0, int(sb[i]))]
        for (t0, u), (t1, v) in zip(chain[:-1], chain[1:]):
            us.append(u); vs.append(v); ws.append(max((t1 - t0) * seglen[i], 1e-9))
    for u, v, w in extra:
        us.append(u); vs.append(v); ws.append(w)
    N = n[0]
    # parallel segments between the same two nodes: keep the shorter (csr_matrix would add them up)
    best = {}
    for u, v, w in zip(us, vs, ws):
        k = (u, v) if u < v else (v, u)
        if w < best.get(k, math.inf):
            best[k] = w
    G = sp.csr_matrix((list(best.values()), ([k[0] for k in best], [k[1] for k in best])), shape=(N, N))

    origin_leaf = np.array(origin_leaf)
    has = origin_leaf >= 0
    res = {}
    for cat, leaves in fac_leaves.items():
        out = [None] * len(origin_leaf)
        if leaves:
            d = dijkstra(G, directed=False, indices=leaves, min_only=True, limit=cutoff)
            stretches = inside_stretch.get(cat, {})
            for i in np.nonzero(has)[0]:
                v = d[origin_leaf[i]]
                seg, t, leg = origin_snap[i]
                for a, b, c in stretches.get(seg, []):
                    if a <= t <= b:
                        v = min(v, leg + c)
                out[i] = float(v) if np.isfinite(v) and v <= cutoff else None
        res[cat] = out
    json.dump({'distances': res, 'stats': {'ways': len(ways), 'vertices': n0, 'segments': int(len(sa)), 'components': int(ncomp),
                                           'unsnapped_origins': int((~has).sum()), 'unsnapped_facilities': unsnapped}}, sys.stdout)


if __name__ == '__main__':
    main()

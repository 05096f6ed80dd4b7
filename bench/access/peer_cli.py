#!/usr/bin/python3
"""The peer of `opencim access FILE` (issue 14, target 3): the pipeline a GIS engineer would write
with pyosmium and scipy, whole, from a PBF file to a CSV of walking distances.

pyosmium reads the file once (node locations kept); walkable ways become an undirected graph of
their OSM nodes (edge = consecutive nodes, haversine length); buildings and facilities (the main
tag rules of reference/facility-taxonomy.md: no name rules, no polygon boundaries) are snapped to
their nearest graph node with a cKDTree; `scipy.sparse.csgraph.dijkstra(indices=..., min_only=True,
limit=cutoff)` runs once per category; the CSV has a row per building and a column per category.

usage: /usr/bin/python3 bench/access/peer_cli.py FILE.osm.pbf OUT.csv [--cutoff 3000]
prints one JSON line: {"buildings": n, "nodes": n, "categories": n}
"""
import json
import math
import os
import sys

import numpy as np
import osmium
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

# the walk filter of reference/facility-taxonomy.md, as the cross-check of the tests writes it
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../test/network'))
from xcheck import walkable  # noqa: E402

# category -> [(key, {values})]: the primary tag rules
RULES = {
    'kindergarten': [('amenity', {'kindergarten'})],
    'childcare': [('amenity', {'childcare'})],
    'primary_school': [('school', {'primary'})],
    'middle_school': [('school', {'secondary', 'middle', 'high'})],
    'clinic': [('amenity', {'clinic', 'doctors'}), ('healthcare', {'clinic', 'doctor', 'centre'})],
    'hospital': [('amenity', {'hospital'}), ('healthcare', {'hospital'})],
    'pharmacy': [('amenity', {'pharmacy'}), ('shop', {'chemist'})],
    'elderly_care': [('social_facility', {'nursing_home', 'assisted_living'}), ('amenity', {'nursing_home'})],
    'community_service': [('amenity', {'community_centre', 'social_centre'})],
    'supermarket': [('shop', {'supermarket', 'convenience', 'general', 'department_store'})],
    'fresh_market': [('amenity', {'marketplace'}), ('shop', {'greengrocer', 'butcher', 'seafood', 'farm'})],
    'express_delivery': [('amenity', {'post_office', 'parcel_locker'}), ('shop', {'outpost'}), ('office', {'courier'})],
    'sports': [('leisure', {'sports_centre', 'pitch', 'fitness_centre', 'fitness_station', 'track', 'stadium', 'playground'})],
    'park': [('leisure', {'park', 'garden'})],
    'bus_stop': [('highway', {'bus_stop'}), ('public_transport', {'platform'})],
    'metro_station': [('railway', {'station', 'subway_entrance'}), ('station', {'subway'})],
    'public_toilet': [('amenity', {'toilets'})],
    'culture': [('amenity', {'library', 'arts_centre', 'theatre', 'community_centre'})],
    'waste_collection': [('amenity', {'waste_transfer_station', 'recycling', 'waste_disposal'})],
    'ev_charging': [('amenity', {'charging_station'})],
    'fire_station': [('amenity', {'fire_station'})],
}
CATS = list(RULES)


def categories(tags):
    out = []
    for c in CATS:
        for k, vs in RULES[c]:
            v = tags.get(k)
            if v is not None and v in vs:
                out.append(c)
                break
    return out


class Reader(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.node_index = {}
        self.lon, self.lat = [], []
        self.src, self.dst = [], []
        self.buildings = []   # (id, lon, lat)
        self.places = []      # (category, lon, lat)

    def index(self, n):
        i = self.node_index.get(n.ref)
        if i is None:
            i = len(self.lon)
            self.node_index[n.ref] = i
            self.lon.append(n.lon)
            self.lat.append(n.lat)
        return i

    def node(self, n):
        if not n.tags:
            return
        tags = {t.k: t.v for t in n.tags}
        for c in categories(tags):
            self.places.append((c, n.location.lon, n.location.lat))

    def way(self, w):
        tags = {t.k: t.v for t in w.tags}
        if not tags:
            return
        if walkable(tags):
            prev = None
            for n in w.nodes:
                i = self.index(n)
                if prev is not None:
                    self.src.append(prev)
                    self.dst.append(i)
                prev = i
            return
        b = 'building' in tags
        cats = categories(tags)
        if not b and not cats:
            return
        xs = [n.lon for n in w.nodes]
        ys = [n.lat for n in w.nodes]
        if not xs:
            return
        x, y = sum(xs) / len(xs), sum(ys) / len(ys)
        if b:
            self.buildings.append(('w%d' % w.id, x, y))
        for c in cats:
            self.places.append((c, x, y))


def main():
    path, out = sys.argv[1], sys.argv[2]
    cutoff = float(sys.argv[sys.argv.index('--cutoff') + 1]) if '--cutoff' in sys.argv else 3000.0
    r = Reader()
    r.apply_file(path, locations=True)
    lon, lat = np.array(r.lon), np.array(r.lat)
    n = len(lon)
    src, dst = np.array(r.src, dtype=np.int64), np.array(r.dst, dtype=np.int64)
    # haversine edge lengths
    p1, p2 = np.radians(lat[src]), np.radians(lat[dst])
    dl = np.radians(lon[dst] - lon[src])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    w = 2 * 6371008.8 * np.arcsin(np.sqrt(h))
    g = sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([src, dst]), np.concatenate([dst, src]))), shape=(n, n)).tocsr()
    # snapping in local metres
    lat0 = float(np.mean(lat)) if n else 0.0
    kx, ky = 111320.0 * math.cos(math.radians(lat0)), 110540.0
    tree = cKDTree(np.column_stack([lon * kx, lat * ky]))
    bxy = np.array([[x * kx, y * ky] for _, x, y in r.buildings]).reshape(-1, 2)
    bd, bn = tree.query(bxy) if len(bxy) else (np.zeros(0), np.zeros(0, dtype=np.int64))
    cols = []
    for c in CATS:
        pts = np.array([[x * kx, y * ky] for k, x, y in r.places if k == c]).reshape(-1, 2)
        if not len(pts):
            cols.append(None)
            continue
        _, fn = tree.query(pts)
        d = dijkstra(g, directed=False, indices=np.unique(fn), min_only=True, limit=cutoff)
        col = d[bn] + bd
        col[~np.isfinite(col) | (col > cutoff)] = np.nan
        cols.append(col)
    with open(out, 'w', encoding='utf8') as f:
        f.write('building_id,lon,lat,' + ','.join(CATS) + '\n')
        for i, (bid, x, y) in enumerate(r.buildings):
            f.write('%s,%.7f,%.7f,%s\n' % (bid, x, y, ','.join('' if c is None or np.isnan(c[i]) else '%.1f' % c[i] for c in cols)))
    print(json.dumps({'buildings': len(r.buildings), 'nodes': n, 'categories': sum(c is not None for c in cols)}))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Independent counts of an OSM file, for cross-checking the importer.

Reads OSM XML produced by `osmium cat -f osm` (so PBF and XML are handled alike) with the
standard library, and applies the rules of reference/facility-taxonomy.md written out again here,
separately from the TypeScript code. Prints JSON: buildings, walkable ways, facilities per
category, parks, residential landuse, admin areas.
"""
import json, re, subprocess, sys
import xml.etree.ElementTree as ET

NOT_WALK = {'abandoned', 'bus_guideway', 'construction', 'cycleway', 'motor', 'planned', 'platform',
            'proposed', 'raceway', 'motorway', 'motorway_link'}

def walkable(t):
    hw = t.get('highway')
    if hw is None or hw in NOT_WALK: return False
    if t.get('area') == 'yes' or t.get('foot') == 'no' or t.get('service') == 'private': return False
    if t.get('access') in ('private', 'no') and t.get('foot') not in ('yes', 'designated', 'permissive'): return False
    return True

# road classes (vehicles): a road the walk filter leaves out is kept as a road (road density counts it)
ROAD = {'motorway', 'motorway_link', 'trunk', 'trunk_link', 'primary', 'primary_link', 'secondary', 'secondary_link',
        'tertiary', 'tertiary_link', 'unclassified', 'residential', 'living_street', 'service', 'road'}
def road_not_walkable(t):
    return t.get('highway') in ROAD and t.get('area') != 'yes' and not walkable(t)

def levels(v): return [s.strip() for s in (v or '').replace(',', ';').split(';')]
def name(t): return t.get('name') or t.get('name:zh') or ''
def has(t, *ws): return any(w in name(t) for w in ws)
NOT_PUBLIC = {'private', 'no', 'permissive', 'customers', 'members', 'students', 'employees'}
def park(t):
    # public park green (issue 10): not restricted, not on a roof, no nature reserves
    if t.get('access') in NOT_PUBLIC: return False
    if t.get('location') in ('roof', 'rooftop') or t.get('garden:type') == 'roof_garden' or t.get('roof') == 'yes' or '屋顶' in t.get('name', ''): return False
    return t.get('leisure') in ('park', 'garden') or t.get('landuse') == 'recreation_ground'

def middle_grades(g):
    for part in re.split('[;,]', g or ''):
        m = re.fullmatch(r'\s*(\d{1,2})\s*(?:-\s*(\d{1,2}))?\s*', part)
        if m and int(m.group(2) or m.group(1)) >= 7 and int(m.group(1)) <= 12: return True
    return False

RULES = {
    'kindergarten': lambda t: t.get('amenity') == 'kindergarten',
    'childcare': lambda t: t.get('amenity') == 'childcare',
    'primary_school': lambda t: t.get('amenity') == 'school' and ('1' in levels(t.get('isced:level')) or t.get('school') == 'primary' or has(t, '小学')),
    'middle_school': lambda t: t.get('amenity') == 'school' and ('2' in levels(t.get('isced:level')) or '3' in levels(t.get('isced:level'))
        or t.get('school') in ('secondary', 'middle', 'high', 'upper_secondary', 'lower_secondary') or t.get('school:type') in ('secondary', 'middle', 'high')
        or middle_grades(t.get('grades')) or re.search('中学|初中|高中|附中|一贯制', t.get('name', t.get('name:zh', '')) or '') is not None),
    'clinic': lambda t: t.get('amenity') in ('clinic', 'doctors') or t.get('healthcare') in ('clinic', 'doctor', 'centre'),
    'hospital': lambda t: t.get('amenity') == 'hospital' or t.get('healthcare') == 'hospital',
    'pharmacy': lambda t: t.get('amenity') == 'pharmacy' or t.get('shop') == 'chemist' or t.get('healthcare') == 'pharmacy',
    'elderly_care': lambda t: (t.get('amenity') == 'social_facility' and 'senior' in t.get('social_facility:for', '')) or t.get('social_facility') in ('nursing_home', 'assisted_living') or t.get('amenity') == 'nursing_home' or has(t, '养老', '敬老', '老年', '日间照料'),
    'community_service': lambda t: t.get('amenity') in ('community_centre', 'social_centre') or (t.get('office') == 'government' and 'community' in t.get('government', '')) or has(t, '社区服务', '居委会', '社区居民委员会', '党群服务'),
    'supermarket': lambda t: t.get('shop') in ('supermarket', 'convenience', 'general', 'department_store'),
    'fresh_market': lambda t: t.get('amenity') == 'marketplace' or t.get('shop') in ('greengrocer', 'butcher', 'seafood', 'farm') or has(t, '菜市场', '农贸市场'),
    'express_delivery': lambda t: t.get('amenity') in ('post_office', 'parcel_locker') or t.get('shop') == 'outpost' or t.get('office') == 'courier',
    'sports': lambda t: t.get('leisure') in ('sports_centre', 'pitch', 'fitness_centre', 'fitness_station', 'track', 'stadium', 'playground'),
    'park': park,
    'bus_stop': lambda t: t.get('highway') == 'bus_stop' or (t.get('public_transport') == 'platform' and t.get('bus') == 'yes') or t.get('amenity') == 'bus_station',
    'metro_station': lambda t: (t.get('railway') in ('station', 'halt', 'subway_entrance') and (t.get('station') in ('subway', 'light_rail') or t.get('subway') == 'yes')) or (t.get('public_transport') == 'station' and t.get('subway') == 'yes'),
    'public_toilet': lambda t: t.get('amenity') == 'toilets',
    'culture': lambda t: t.get('amenity') in ('library', 'community_centre', 'arts_centre', 'theatre') or t.get('tourism') == 'museum',
    'waste_collection': lambda t: t.get('amenity') in ('waste_disposal', 'recycling', 'waste_transfer_station'),
    'ev_charging': lambda t: t.get('amenity') == 'charging_station',
    'fire_station': lambda t: t.get('amenity') == 'fire_station',
}

def main(path):
    xml = subprocess.run(['osmium', 'cat', '-f', 'osm', path, '-o', '-'], check=True, capture_output=True).stdout
    root = ET.fromstring(xml)
    node_ids = {n.get('id') for n in root.iter('node')}
    way_nodes = {}
    c = {'buildings': 0, 'walkable_ways': 0, 'roads_not_walkable': 0, 'parks': 0, 'residential_landuse': 0, 'admin_areas': 0,
         'facilities': {k: 0 for k in RULES}}
    def count_area(t):
        if t.get('building', 'no') != 'no': c['buildings'] += 1
        if park(t): c['parks'] += 1
        if t.get('landuse') == 'residential': c['residential_landuse'] += 1
        for k, rule in RULES.items():
            if rule(t): c['facilities'][k] += 1
    for n in root.iter('node'):
        t = {e.get('k'): e.get('v') for e in n.iter('tag')}
        for k, rule in RULES.items():
            if t and rule(t): c['facilities'][k] += 1
    for w in root.iter('way'):
        refs = [nd.get('ref') for nd in w.iter('nd')]
        way_nodes[w.get('id')] = refs
        t = {e.get('k'): e.get('v') for e in w.iter('tag')}
        if not t: continue
        present = [r for r in refs if r in node_ids]
        if walkable(t) and len(present) >= 2: c['walkable_ways'] += 1
        if road_not_walkable(t) and len(present) >= 2: c['roads_not_walkable'] += 1
        closed = len(refs) >= 4 and refs[0] == refs[-1] and len(present) == len(refs)
        if closed: count_area(t)
        elif len(present) >= 2 and len(present) == len(refs):
            # a facility mapped as an open line (a bus platform along the kerb) counts at its midpoint
            for k, rule in RULES.items():
                if rule(t): c['facilities'][k] += 1
    for r in root.iter('relation'):
        t = {e.get('k'): e.get('v') for e in r.iter('tag')}
        if t.get('type') not in ('multipolygon', 'boundary'): continue
        # count only relations whose outer ring(s) close from the ways present (the importer reports the rest)
        ways = [m.get('ref') for m in r.iter('member') if m.get('type') == 'way' and m.get('role') in ('outer', '')]
        if not ways or any(w not in way_nodes for w in ways): continue
        ends = {}
        for w in ways:
            refs = way_nodes[w]
            if not refs or any(x not in node_ids for x in refs): ends = None; break
            for e in (refs[0], refs[-1]): ends[e] = ends.get(e, 0) + 1
        if ends is None or any(v % 2 for v in ends.values()): continue
        count_area(t)
        if t.get('boundary') == 'administrative' and t.get('admin_level'): c['admin_areas'] += 1
    print(json.dumps(c))

if __name__ == '__main__':
    main(sys.argv[1])

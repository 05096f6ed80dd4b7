-- What a source's licence asks to be shown with whatever is made of it (ODbL: "© OpenStreetMap
-- contributors"), known from the file as it is read: an OSM extract, a Tilezen/Nextzen export of
-- OSM, a GeoJSON of OSM-typed ids. The check and the server read it from here (src/store/attribution.ts),
-- so a store-based report of a Nextzen import carries the attribution as `check FILE` does.
ALTER TABLE sources ADD COLUMN attribution text;
UPDATE sources SET attribution = '© OpenStreetMap contributors' WHERE format LIKE 'osm%';

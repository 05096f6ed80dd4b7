/**
 * `?pmtiles=URL`: the viewer draws the layers found in a PMTiles archive (`opencim tiles export`)
 * from that file instead of the server's tiles (a city hosting its map statically: any HTTP server
 * with Range requests and CORS). The pmtiles Protocol serves it to MapLibre as `pmtiles://URL`;
 * layers not in the file stay on the server's tiles.
 */
import * as maplibregl from 'maplibre-gl';
import type { StyleSpecification } from 'maplibre-gl';
import { PMTiles, Protocol } from 'pmtiles';

let protocol: Protocol | null = null;

export function pmtilesParam(): string | null {
  const v = new URLSearchParams(location.search).get('pmtiles');
  return v ? new URL(v, location.href).href : null;
}

/** the style with the PMTiles file's layers as its vector sources (unchanged without ?pmtiles=) */
export async function withPmtiles(style: StyleSpecification): Promise<StyleSpecification> {
  const url = pmtilesParam();
  if (!url) return style;
  if (!protocol) {
    protocol = new Protocol();
    maplibregl.addProtocol('pmtiles', protocol.tile);
  }
  const file = new PMTiles(url);
  protocol.add(file);
  const meta = (await file.getMetadata()) as { vector_layers?: { id: string }[] };
  const inFile = new Set((meta.vector_layers ?? []).map((l) => l.id));
  const sources = { ...style.sources };
  for (const [id, src] of Object.entries(sources)) {
    if (src.type === 'vector' && inFile.has(id)) sources[id] = { type: 'vector', url: `pmtiles://${url}`, ...(id === 'buildings' ? { promoteId: 'id' } : {}) };
  }
  return { ...style, sources };
}

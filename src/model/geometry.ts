/** GeoJSON geometries in WGS84 lon/lat degrees: the one coordinate system inside the city model. */
export type Position = [number, number];
export type Ring = Position[];
export interface Point { type: 'Point'; coordinates: Position }
export interface LineString { type: 'LineString'; coordinates: Position[] }
export interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }
export interface Polygon { type: 'Polygon'; coordinates: Ring[] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Ring[][] }
export interface MultiPoint { type: 'MultiPoint'; coordinates: Position[] }
export type Geometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon;
export type Areal = Polygon | MultiPolygon;

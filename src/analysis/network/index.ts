/**
 * Walking accessibility (issue 3): the walk graph in CSR form, snapping, one multi-source search per
 * facility category, isochrones. Pure functions over typed arrays at the core; the store and CSV
 * at the edges (store.ts, csv.ts). See DESIGN.md "Walking distance, precisely".
 */
export { GraphBuilder, buildGraph, graphStats, hilbertOrder, vertexPos, DEFAULT_ISLAND_MAX_M, type GraphOptions, type WalkGraph } from './graph.js';
export {
  SegmentIndex, snapPoints, snapSources, orderByEdge, segmentPolygonContact,
  SNAP_OK, SNAP_NONE, SNAP_ISLAND, SNAP_STATUS, DEFAULT_SNAP_LIMIT_M, DEFAULT_POLYGON_REACH_M,
  type Place, type SnapHit, type SnappedPoints, type SourceSet, type SourceOptions,
} from './snap.js';
export { dijkstraKernel, bucketKernel, seedKernel, evaluateKernel, categoryKernel } from './kernels.js';
export { runCategories, type CategoryRun } from './parallel.js';
export {
  computeAccess, placesFromRecords, PlacesCollector, summarize, resolveCategories, distanceOf,
  DEFAULT_CUTOFF_M, SUMMARY_THRESHOLDS_M,
  type AccessOptions, type AccessPlaces, type AccessResult, type AccessSummary, type CategoryStats, type CategorySummary, type Origins,
} from './access.js';
export { estimateResidents, DEFAULT_PER_CAPITA_M2, type PopulationInput, type LevelsFrom } from './population.js';
export { isochrone, segmentIndexOf, pointAt, outline, DEFAULT_SPEED_M_PER_MIN, type IsochroneOptions, type IsochroneCollection, type IsochroneFeature } from './isochrone.js';
export { accessCsvHeader, accessCsvRows, writeAccessCsv } from './csv.js';
export { placesFromStore, saveAccess, resolveCity, listCities, sourcesProvenance, ENGINE_VERSION } from './store.js';

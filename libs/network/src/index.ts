/**
 * One road network model for every part of Crosscast (`@crosscast/network`): geometry
 * (distances, bearings; on the earth and in a network file's plane), the road graph inferred
 * from a crossings file (links, neighbours, corridors along a road), the roads and neighbours
 * of a network given link by link, and a spatial index. Pure TypeScript, no I/O: the simulation
 * engine, the city fusion model, signal timing and the network importers all use it.
 */
export * from './geometry';
export * from './plane';
export * from './link-graph';
export * from './neighbours';
export * from './spatial-grid';

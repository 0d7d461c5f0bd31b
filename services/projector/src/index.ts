export { startProjector, readCheckpoint, PROJECTION, type ChangeNotice } from './shell.ts'
export { migrateReadModels, MIGRATIONS_DIR } from './migrate.ts'
export { project, type Statement } from './projections/index.ts'
export { summarize } from './projections/summary.ts'

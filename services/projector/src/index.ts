export { startProjector, readCheckpoint, PROJECTION, type ChangeNotice } from './shell.ts'
export { migrateReadModels, MIGRATIONS_DIR } from './migrate.ts'
export { projectJobs, type Statement } from './projections/jobs.ts'
export { summarize } from './projections/summary.ts'

export * from './errors.ts'
export * from './client.ts'
export * from './callbacks.ts'
export * from './run-remote-sweep.ts'

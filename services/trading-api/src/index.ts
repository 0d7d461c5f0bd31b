export { buildApp, tradingApi, type TradingApiOptions } from './app.ts'
export { TradingApiConfig } from './config.ts'
export { specFor, type SweepEngine } from './runner.ts'

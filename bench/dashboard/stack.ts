// Runs the dashboard's e2e stack by hand (for looking at it, or debugging): prints the URLs and users,
// keeps running until Ctrl-C or DURATION_S seconds.
import { startStack } from '../../web/e2e/backend.ts'
import { startWebServer } from '../../web/e2e/harness.ts'

const stack = await startStack('manual')
const web = await startWebServer(stack.webEnv(), process.env.WEB_PORT ? Number(process.env.WEB_PORT) : undefined)
const admin = await stack.user('local', 'ADMIN')
console.log(JSON.stringify({ web: web.url, ingest: stack.ingestUrl, apiHeaders: stack.apiHeaders, admin }))
const stop = async () => {
  console.log(web.output())
  await web.stop()
  await stack.stop()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
setTimeout(() => void stop(), Number(process.env.DURATION_S ?? 600) * 1000)

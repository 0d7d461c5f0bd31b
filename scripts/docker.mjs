#!/usr/bin/env node
// A Docker engine for the tests, on a machine that has none running: Debian's docker.io started as a
// private daemon (its own data root, exec root and socket under ZIXLY_DOCKER_DIR, default
// /var/lib/zixly-docker), with no bridge, no iptables and no masquerading — containers use the host's
// network only. Test runs hold a lease while they use it; the last run out stops the daemon if a run
// started it, and never a daemon somebody else started.
//
//   node scripts/docker.mjs start    install what is missing, start the private daemon, print DOCKER_HOST
//   node scripts/docker.mjs stop     stop the private daemon (whoever started it)
//   node scripts/docker.mjs status   say whether it answers
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installDebianPackages } from './system-packages.mjs'

export const dockerHome = (env = process.env) => env.ZIXLY_DOCKER_DIR || '/var/lib/zixly-docker'
export const privateDockerHost = (env = process.env) => `unix://${join(dockerHome(env), 'docker.sock')}`
const PACKAGES = { dockerd: 'docker.io', 'docker-compose': 'docker-compose', debootstrap: 'debootstrap' }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
}

/** True when an engine answers GET /_ping at `dockerHost` (unix:// or tcp://). */
export function pingEngine(dockerHost, timeoutMs = 2000) {
  return new Promise((resolve) => {
    let target
    try {
      const u = new URL(dockerHost)
      if (u.protocol === 'unix:') target = { socketPath: u.pathname, path: '/_ping' }
      else if (u.protocol === 'tcp:' || u.protocol === 'http:') target = { host: u.hostname, port: Number(u.port) || 2375, path: '/_ping' }
      else return resolve(false)
    } catch {
      return resolve(false)
    }
    const req = http.get({ ...target, timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

/**
 * Installs Debian's docker.io, docker-compose and debootstrap when one is missing (see
 * installDebianPackages: no service starts meanwhile). Throws when it cannot (not root, no apt).
 */
export function ensureDockerPackages({ log = console.log } = {}) {
  const missing = Object.entries(PACKAGES).filter(([bin]) => !which(bin)).map(([, pkg]) => pkg)
  if (missing.length > 0) installDebianPackages(missing, { log })
  return missing
}

const paths = (env) => {
  const home = dockerHome(env)
  return {
    home,
    pidfile: join(home, 'docker.pid'),
    log: join(home, 'dockerd.log'),
    startedBy: join(home, 'started-by-zixly'),
    leases: join(home, 'leases'),
    lock: join(home, 'lock'),
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

/** Pid of the private dockerd, checked against /proc so a reused pid is never signalled. */
function daemonPid(env) {
  const p = paths(env)
  const pid = Number(existsSync(p.pidfile) ? readFileSync(p.pidfile, 'utf8').trim() : NaN)
  if (!pid || !alive(pid)) return null
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes('dockerd') && cmdline.includes(p.home) ? pid : null
  } catch {
    return null
  }
}

/** Starts the private daemon unless it answers already; resolves with whether this call started it. */
export async function startPrivateDaemon({ log = console.log, env = process.env } = {}) {
  const p = paths(env)
  const host = privateDockerHost(env)
  if (await pingEngine(host)) return { dockerHost: host, started: false }
  ensureDockerPackages({ log })
  for (const d of ['data', 'exec']) mkdirSync(join(p.home, d), { recursive: true })
  rmSync(join(p.home, 'docker.sock'), { force: true })
  const out = openSync(p.log, 'a')
  const child = spawn(
    which('dockerd'),
    [
      '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--bridge=none',
      '--data-root', join(p.home, 'data'), '--exec-root', join(p.home, 'exec'),
      '--pidfile', p.pidfile, '-H', host, '--log-level', 'warn',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  )
  child.unref()
  closeSync(out)
  const until = Date.now() + 60_000
  while (Date.now() < until) {
    if (await pingEngine(host, 1000)) {
      log(`started a private Docker engine (pid ${child.pid}) at ${host}`)
      return { dockerHost: host, started: true }
    }
    if (child.exitCode !== null) break
    await sleep(250)
  }
  const tail = existsSync(p.log) ? readFileSync(p.log, 'utf8').trim().split('\n').slice(-5).join('\n') : ''
  if (child.exitCode === null) process.kill(child.pid, 'SIGTERM')
  throw new Error(`dockerd did not answer at ${host} within 60 s:\n${tail}`)
}

/** Stops the private daemon (and the containers it still runs) and waits until it is gone. */
export async function stopPrivateDaemon({ log = console.log, env = process.env } = {}) {
  const p = paths(env)
  const pid = daemonPid(env)
  rmSync(p.startedBy, { force: true })
  if (!pid) return false
  process.kill(pid, 'SIGTERM')
  const until = Date.now() + 30_000
  while (alive(pid) && Date.now() < until) await sleep(200)
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  // dockerd leaves its network namespace handle mounted; nothing else of it stays behind.
  const netns = join(p.home, 'exec', 'netns', 'default')
  if (readFileSync('/proc/mounts', 'utf8').includes(` ${netns} `)) {
    try {
      execFileSync('umount', [netns], { stdio: 'ignore' })
    } catch {
      /* still busy: harmless, the next daemon reuses it */
    }
  }
  log(`stopped the private Docker engine (pid ${pid})`)
  return true
}

/** A lock between test runs on this machine (a directory; one whose owner died is taken over). */
async function withLock(env, fn) {
  const { lock } = paths(env)
  mkdirSync(dockerHome(env), { recursive: true })
  const until = Date.now() + 15 * 60_000
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      break
    } catch (err) {
      if (err.code !== 'EEXIST') throw err
      let owner = NaN
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'))
      } catch {
        /* being written or removed */
      }
      if (owner && !alive(owner)) rmSync(lock, { recursive: true, force: true })
      else if (Date.now() > until) throw new Error(`${lock} held by pid ${owner} for 15 minutes`)
      else await sleep(200)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

const liveLeases = (env) => {
  const { leases } = paths(env)
  if (!existsSync(leases)) return []
  return readdirSync(leases).filter((f) => {
    if (alive(Number(f))) return true
    rmSync(join(leases, f), { force: true })
    return false
  })
}

/**
 * The engine a test run should use, or an Error saying why there is none:
 * DOCKER_HOST when it is set (used as is, never started); else the default socket when it answers;
 * else the private daemon, started when it is not running. `release()` gives it back.
 */
export async function acquireEngine({ log = console.log, env = process.env } = {}) {
  const own = privateDockerHost(env)
  const given = env.DOCKER_HOST
  if (given && given !== own) {
    if (await pingEngine(given)) return { dockerHost: given, private: false, started: false, release: async () => false }
    throw new Error(`DOCKER_HOST=${given} does not answer`)
  }
  if (!given && (await pingEngine('unix:///var/run/docker.sock')))
    return { dockerHost: 'unix:///var/run/docker.sock', private: false, started: false, release: async () => false }
  const p = paths(env)
  const { started } = await withLock(env, async () => {
    const r = await startPrivateDaemon({ log, env })
    // Only a daemon a test run started is stopped by a test run (one started by hand is left alone).
    if (r.started) writeFileSync(p.startedBy, `${process.pid}\n`)
    mkdirSync(p.leases, { recursive: true })
    writeFileSync(join(p.leases, String(process.pid)), '')
    return r
  })
  const release = () =>
    withLock(env, async () => {
      rmSync(join(p.leases, String(process.pid)), { force: true })
      if (liveLeases(env).length > 0 || !existsSync(p.startedBy)) return false
      return stopPrivateDaemon({ log, env })
    })
  return { dockerHost: own, private: true, started, release }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cmd = process.argv[2] ?? 'status'
  const log = (l) => console.error(`[docker] ${l}`)
  if (cmd === 'start') {
    const { dockerHost } = await startPrivateDaemon({ log })
    console.log(`export DOCKER_HOST=${dockerHost}`)
  } else if (cmd === 'stop') {
    if (!(await stopPrivateDaemon({ log }))) log('the private Docker engine was not running')
  } else if (cmd === 'status') {
    const up = await pingEngine(privateDockerHost())
    console.log(up ? `running: DOCKER_HOST=${privateDockerHost()}` : 'not running')
    process.exitCode = up ? 0 : 1
  } else {
    console.error('usage: node scripts/docker.mjs start|stop|status')
    process.exitCode = 2
  }
}

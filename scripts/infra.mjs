// Makes sure NATS (JetStream), PostgreSQL and Redis answer on loopback. A service that is installed but
// stopped is started with the machine's own command; one that is missing is named with what to install.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import net from 'node:net'

const services = [
  {
    name: 'NATS',
    env: 'NATS_URL',
    url: 'nats://127.0.0.1:4222',
    binary: '/usr/sbin/nats-server',
    install: 'apt-get install -y nats-server',
    start: () =>
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
  },
  {
    name: 'PostgreSQL',
    env: 'DATABASE_URL',
    url: 'postgres://postgres@127.0.0.1:5432/postgres',
    binary: '/usr/bin/pg_ctlcluster',
    install: 'apt-get install -y postgresql',
    start: () => {
      const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : []
      return `pg_ctlcluster --skip-systemctl-redirect ${versions[0] ?? '15'} main start`
    },
  },
  {
    name: 'Redis',
    env: 'REDIS_URL',
    url: 'redis://127.0.0.1:6379',
    binary: '/usr/bin/redis-server',
    install: 'apt-get install -y redis-server',
    start: () =>
      'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
  },
]

function hostPort(url) {
  const u = new URL(url)
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) }
}

export function answers({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

async function waitFor(target, ms) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await answers(target, 500)) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

/** Resolves when every service answers; throws one line per missing service otherwise. */
export async function ensureInfrastructure({ log = console.log, env = process.env } = {}) {
  const problems = []
  for (const svc of services) {
    const url = env[svc.env] ?? svc.url
    const target = hostPort(url)
    if (await answers(target)) continue
    const local = target.host === '127.0.0.1' || target.host === 'localhost'
    if (!local) {
      problems.push(`${svc.name} does not answer at ${target.host}:${target.port} (${svc.env})`)
      continue
    }
    if (!existsSync(svc.binary)) {
      problems.push(`${svc.name} is not installed and does not answer at ${target.host}:${target.port}: run \`${svc.install}\``)
      continue
    }
    log(`${svc.name} is installed but not answering on ${target.host}:${target.port}; starting it`)
    try {
      execSync(svc.start(), { stdio: 'ignore', shell: '/bin/bash' })
    } catch (err) {
      problems.push(`${svc.name} failed to start: ${err instanceof Error ? err.message.split('\n')[0] : err}`)
      continue
    }
    if (!(await waitFor(target, 15_000))) problems.push(`${svc.name} was started but does not answer on ${target.host}:${target.port}`)
  }
  if (problems.length > 0) {
    const err = new Error(problems.join('\n'))
    err.problems = problems
    throw err
  }
}

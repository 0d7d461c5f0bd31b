// Debian packages the test tiers need, installed once, up front, in one apt-get run: the browser tests'
// chromium, the alert-rule tests' promtool (package prometheus) and, unless the tests are told to use the
// loopback services, the private Docker engine's docker.io, docker-compose and debootstrap. Installing
// them here rather than from inside concurrently running test files keeps two apt-get runs from fighting
// over the dpkg lock (and over the temporary policy-rc.d). Each test still installs what it needs itself
// when run alone; those installs wait for the dpkg lock instead of failing on it.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'

/** `apt-get` options that wait up to 10 minutes for another apt/dpkg run to release its lock. */
export const APT_LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600']

const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0

/**
 * Installs `packages` with apt-get (update first) while no service may start (a temporary policy-rc.d,
 * so an install never starts a system-wide daemon). Throws when it cannot (not root, no apt-get) or
 * apt-get fails.
 */
export function installDebianPackages(packages, { log = console.log } = {}) {
  if (process.getuid?.() !== 0 || !which('apt-get'))
    throw new Error(`missing ${packages.join(', ')} and cannot install them here (needs root and apt-get)`)
  log(`installing Debian packages ${packages.join(' ')} (apt-get update first)`)
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# zixly: no service starts during this install\nexit 101\n', { mode: 0o755 })
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    execFileSync('apt-get', [...APT_LOCK_WAIT, 'update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 })
    execFileSync('apt-get', [...APT_LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: 'ignore',
      env,
      timeout: 900_000,
    })
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
  }
}

/**
 * Installs the Debian packages of `wanted` (`{ binary: package }`) whose binary is missing. A server the
 * prometheus package starts anyway is not ours to keep, so the caller's tests stop it
 * (infra/test/support/tools.ts). Returns the packages it tried to install; never throws — when it
 * cannot install (not root, no apt-get, apt-get fails) it says so, and the tests that need a missing
 * tool then say exactly what to install.
 */
export function ensureSystemPackages(wanted, { log = console.log } = {}) {
  const missing = [...new Set(Object.entries(wanted).filter(([bin]) => !which(bin)).map(([, pkg]) => pkg))]
  if (missing.length === 0) return []
  try {
    installDebianPackages(missing, { log })
  } catch (err) {
    log(`could not install ${missing.join(' ')}: ${err.message.split('\n')[0]}`)
  }
  return missing
}

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
 * Installs the Debian packages of `wanted` (`{ binary: package }`) whose binary is missing. No service
 * may start during the install (policy-rc.d); a server the prometheus package starts anyway is not ours
 * to keep, so the caller's tests stop it (infra/test/support/tools.ts). Returns the packages installed;
 * does nothing and returns [] when it cannot install (not root, no apt-get) — the tests that need a
 * missing tool then say exactly what to install.
 */
export function ensureSystemPackages(wanted, { log = console.log } = {}) {
  const missing = [...new Set(Object.entries(wanted).filter(([bin]) => !which(bin)).map(([, pkg]) => pkg))]
  if (missing.length === 0) return []
  if (process.getuid?.() !== 0 || !which('apt-get')) {
    log(`missing Debian packages ${missing.join(' ')}; not root, so the tests that need them will say so`)
    return []
  }
  log(`installing Debian packages ${missing.join(' ')} (apt-get update first)`)
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# zixly: no service starts during this install\nexit 101\n', { mode: 0o755 })
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    execFileSync('apt-get', [...APT_LOCK_WAIT, 'update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 })
    execFileSync('apt-get', [...APT_LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...missing], {
      stdio: 'ignore',
      env,
      timeout: 900_000,
    })
  } catch (err) {
    log(`could not install ${missing.join(' ')}: ${err.message.split('\n')[0]}`)
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
  }
  return missing
}

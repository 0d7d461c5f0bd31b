import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './tools.ts'

export interface Instruction {
  op: string
  args: string
  stage: number
}

/** Dockerfile instructions in order, with line continuations joined and comments dropped. */
export function parseDockerfile(file = 'Dockerfile'): Instruction[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n')
  const out: Instruction[] = []
  let stage = -1
  let buf = ''
  for (const raw of lines) {
    const line = raw.trimEnd()
    if (!buf && (/^\s*#/.test(line) || line.trim() === '')) continue
    if (buf && /^\s*#/.test(line)) continue
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + '\n'
      continue
    }
    const full = (buf + line).trim()
    buf = ''
    const m = /^(\S+)\s+([\s\S]*)$/.exec(full)
    if (!m) continue
    const op = m[1]!.toUpperCase()
    if (op === 'FROM') stage += 1
    out.push({ op, args: m[2]!, stage })
  }
  return out
}

/** A .dockerignore pattern as a regular expression over slash-separated paths (moby's patternmatcher). */
function patternRegex(pattern: string): RegExp {
  const p = pattern.replace(/^\/+/, '').replace(/\/+$/, '')
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === '*' && p[i + 1] === '*') {
      i += 1
      if (p[i + 1] === '/') {
        i += 1
        re += '(?:.*/)?'
      } else re += '.*'
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** Whether a path is left out of the build context: the last matching rule for it or a parent wins. */
export function dockerignore(file = '.dockerignore'): (path: string) => boolean {
  const rules = readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ exclude: !l.startsWith('!'), re: patternRegex(l.replace(/^!/, '')) }))
  return (path) => {
    const parts = path.split('/')
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
    let excluded = false
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = r.exclude
    return excluded
  }
}

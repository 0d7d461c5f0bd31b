/**
 * The envelope's `type` read from the first bytes of an event message without parsing it: the value
 * of the key `"type"` at the top level of the JSON object (nested objects and strings are skipped), or
 * null when it is not found within `limit` bytes or the bytes are not a plain JSON object. Events are
 * written as `{"id":…,"type":…,…}`, so it is found within the first hundred bytes. The notifier acts
 * on terminal events only: this lets it ack every other event (~6 of every job's 7) without decoding
 * and validating it; anything unclear is parsed in full as before.
 */
export function peekEventType(data: Uint8Array, limit = 512): string | null {
  const n = Math.min(data.length, limit)
  let i = 0
  while (i < n && data[i] !== 0x7b /* { */) {
    if (data[i] !== 0x20 && data[i] !== 0x0a && data[i] !== 0x0d && data[i] !== 0x09) return null
    i++
  }
  let depth = 0
  for (; i < n; i++) {
    const c = data[i]
    if (c === 0x22 /* " */) {
      const start = i + 1
      i = endOfString(data, start, n)
      if (i < 0) return null
      // A key at the top level: `"type"` followed by `:` and a string value.
      if (depth === 1 && i - start === 4 && isType(data, start)) {
        let j = i + 1
        while (j < n && (data[j] === 0x20 || data[j] === 0x0a || data[j] === 0x0d || data[j] === 0x09)) j++
        if (data[j] !== 0x3a /* : */) continue
        j++
        while (j < n && (data[j] === 0x20 || data[j] === 0x0a || data[j] === 0x0d || data[j] === 0x09)) j++
        if (data[j] !== 0x22) return null
        const end = endOfString(data, j + 1, n)
        if (end < 0) return null
        let out = ''
        for (let k = j + 1; k < end; k++) {
          const ch = data[k]!
          // Event type names are plain ASCII letters and digits; anything else: parse in full.
          if (!((ch >= 0x41 && ch <= 0x5a) || (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x30 && ch <= 0x39))) return null
          out += String.fromCharCode(ch)
        }
        return out
      }
    } else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) {
      depth--
      if (depth === 0) return null
    }
  }
  return null
}

/** Index of the closing quote of a string starting at `start`, or -1 when it ends past `n`. */
function endOfString(data: Uint8Array, start: number, n: number): number {
  for (let i = start; i < n; i++) {
    if (data[i] === 0x5c /* \ */) i++
    else if (data[i] === 0x22) return i
  }
  return -1
}

function isType(data: Uint8Array, at: number): boolean {
  return data[at] === 0x74 && data[at + 1] === 0x79 && data[at + 2] === 0x70 && data[at + 3] === 0x65
}

// Canonical JSON: the byte string the store MACs and writes. It is the I-JSON subset of RFC 8785 (JCS)
// that our data uses: object members sorted by UTF-16 code units (RFC 8785 §3.2.3), no whitespace,
// strings and numbers serialised exactly as ECMAScript JSON.stringify does (RFC 8785 §3.2.2). One value
// has exactly one encoding, so a file is valid only if its bytes equal the re-encoding of what it parses
// to: no whitespace, key order or escape variant can change a file without being noticed.

const MAX_DEPTH = 32

/**
 * Encodes `value` canonically. Pure. Object members whose value is `undefined` are omitted (as
 * JSON.stringify does), so `canonicalJson(x) === canonicalJson(JSON.parse(JSON.stringify(x)))`.
 * Throws TypeError for anything JSON cannot represent exactly: non-finite numbers, bigint, functions,
 * symbols, `undefined` in arrays, non-plain objects (Date, Map, class instances) and nesting deeper than 32.
 */
export function canonicalJson(value: unknown): string {
  return alreadyCanonical(value, 0) ? JSON.stringify(value) : encode(value, 0)
}

/**
 * True when JSON.stringify(value) is already the canonical encoding: only JSON values, no undefined
 * anywhere, and every object's members in sorted order (as in everything the store itself wrote and
 * JSON.parse read back). JSON.stringify formats strings and numbers exactly as encode() does, and is
 * several times faster than building the string here, which matters when 10,000 files are opened.
 */
function alreadyCanonical(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (Array.isArray(value)) {
        for (const item of value) if (!alreadyCanonical(item, depth + 1)) return false
        return true
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false
      let previous: string | undefined
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false
        if (previous !== undefined && !(previous < key)) return false
        const member = (value as Record<string, unknown>)[key]
        if (member === undefined || !alreadyCanonical(member, depth + 1)) return false
        previous = key
      }
      return true
    }
    default:
      return false
  }
}

/**
 * `canonicalJson(value)` and `canonicalJson(value without member omit)` in one pass over the members
 * (the store MACs the second and writes the first; encoding the heavy members twice would double the
 * cost of opening a large store). Pure; throws like canonicalJson.
 */
export function canonicalJsonPair(value: object, omit: string): { full: string; without: string } {
  const fast = alreadyCanonical(value, 0)
  let full = '{'
  let without = '{'
  for (const key of membersOf(value, 0)) {
    const member = (value as Record<string, unknown>)[key]
    if (member === undefined) continue
    const part = `${JSON.stringify(key)}:${fast ? JSON.stringify(member) : encode(member, 1)}`
    full += full.length === 1 ? part : `,${part}`
    if (key !== omit) without += without.length === 1 ? part : `,${part}`
  }
  return { full: `${full}}`, without: `${without}}` }
}

function encode(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError('canonicalJson: nesting too deep')
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'string':
      // ES2019 well-formed JSON.stringify: lone surrogates are escaped, so the output is valid UTF-8.
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number')
      // -0 serialises as "0", as in RFC 8785 §3.2.2.3.
      return JSON.stringify(value)
    case 'object':
      return Array.isArray(value) ? encodeArray(value, depth) : encodeObject(value, depth)
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`)
  }
}

function encodeArray(value: readonly unknown[], depth: number): string {
  let out = '['
  for (let i = 0; i < value.length; i++) {
    const item = value[i]
    if (item === undefined) throw new TypeError('canonicalJson: undefined in an array')
    out += i === 0 ? encode(item, depth + 1) : `,${encode(item, depth + 1)}`
  }
  return `${out}]`
}

/** Member names of a plain object in RFC 8785 §3.2.3 order (UTF-16 code units, the default sort). */
function membersOf(value: object, depth: number): string[] {
  if (depth > MAX_DEPTH) throw new TypeError('canonicalJson: nesting too deep')
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError('canonicalJson: only plain objects can be encoded')
  }
  return Object.keys(value).sort()
}

function encodeObject(value: object, depth: number): string {
  let out = '{'
  for (const key of membersOf(value, depth)) {
    const member = (value as Record<string, unknown>)[key]
    if (member === undefined) continue
    const part = `${JSON.stringify(key)}:${encode(member, depth + 1)}`
    out += out.length === 1 ? part : `,${part}`
  }
  return `${out}}`
}

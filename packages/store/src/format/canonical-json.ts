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
  return encode(value, 0)
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
  const parts: string[] = []
  for (const item of value) {
    if (item === undefined) throw new TypeError('canonicalJson: undefined in an array')
    parts.push(encode(item, depth + 1))
  }
  return `[${parts.join(',')}]`
}

function encodeObject(value: object, depth: number): string {
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError('canonicalJson: only plain objects can be encoded')
  }
  // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 prescribes.
  const keys = Object.keys(value).sort()
  const parts: string[] = []
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key]
    if (member === undefined) continue
    parts.push(`${JSON.stringify(key)}:${encode(member, depth + 1)}`)
  }
  return `{${parts.join(',')}}`
}

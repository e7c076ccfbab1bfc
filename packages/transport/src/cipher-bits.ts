// Node's getCipher() gives names but not key sizes; DEEP -04 §11.2 needs "at least 128 bits" (digest
// §7.11: counted as the AEAD/bulk key size). Unknown suites count as 0 bits, i.e. weak: fail closed.

const RULES: ReadonlyArray<[RegExp, number]> = [
  [/CHACHA20/i, 256],
  [/AES_?256|AES256/i, 256],
  [/AES_?128|AES128/i, 128],
  [/CAMELLIA_?256|CAMELLIA256/i, 256],
  [/CAMELLIA_?128|CAMELLIA128/i, 128],
  [/ARIA_?256|ARIA256/i, 256],
  [/ARIA_?128|ARIA128/i, 128],
  [/3DES|DES_EDE|DES-CBC3/i, 112],
  [/RC4|DES|NULL|EXPORT/i, 0],
]

/** Symmetric key bits of a cipher suite name (IANA or OpenSSL spelling). */
export function cipherBits(name: string): number {
  for (const [re, bits] of RULES) if (re.test(name)) return bits
  return 0
}

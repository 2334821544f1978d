/**
 * What a config var holds as JSON: an object or an array (`{"host": …}`, `[…]`), or undefined when
 * it holds none. Scalars are not JSON here: `"5432"` and `true` are plain values. Pure.
 */
export function jsonValue(value: string): undefined | {json: unknown} {
  const text = value.trim()
  if (!/^[[{]/.test(text)) return undefined
  try {
    return {json: JSON.parse(text)}
  } catch {
    return undefined
  }
}

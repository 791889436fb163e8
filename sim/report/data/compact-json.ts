/**
 * JSON for people and for diffs: indented like `JSON.stringify(value, null,
 * 2)`, except that a list of plain values (a point `[atMs, depth]`, a list of
 * latencies) or a small flat object stays on one line, so a series of two
 * thousand points is two thousand lines, not ten thousand.
 *
 * JSON has no NaN or Infinity (`JSON.stringify` writes null and the figure is
 * lost): such a number is refused, with its path.
 */

/** Thrown for a value JSON cannot carry; `path` says where (`figures.latencyP50Ms`). */
export class NotJsonError extends Error {
  override name = 'NotJsonError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path || 'the value'}: ${reason}`);
  }
}

const INLINE_WIDTH = 120;

export function compactJson(value: unknown): string {
  return `${write(value, '', '')}\n`;
}

function write(value: unknown, path: string, indent: string): string {
  if (isPlain(value)) return writePlain(value, path);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isPlain)) return `[${value.map((item, index) => writePlain(item, `${path}[${index}]`)).join(', ')}]`;
    return `[\n${value.map((item, index) => inner + write(item, `${path}[${index}]`, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    const fieldPath = (key: string) => (path ? `${path}.${key}` : key);
    if (entries.length <= 4 && entries.every(([, item]) => isPlain(item))) {
      const line = `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${writePlain(item, fieldPath(key))}`).join(', ')} }`;
      if (line.length <= INLINE_WIDTH) return line;
    }
    return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${write(item, fieldPath(key), inner)}`).join(',\n')}\n${indent}}`;
  }
  throw new NotJsonError(path, `a ${typeof value} has no JSON form`);
}

function isPlain(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function writePlain(value: string | number | boolean | null, path: string): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new NotJsonError(path, `${value} has no JSON form (a figure that was never measured should be left out)`);
  return JSON.stringify(value);
}

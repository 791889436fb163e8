/**
 * Reads a report page as text, the way a test needs it: each plot's `<svg
 * data-plot>` and the elements in it that carry a given `data-*` attribute,
 * with their attributes decoded. Works on the page as written and on the
 * DOM Chromium dumps (attributes in double quotes, entities escaped), so one
 * check runs on both.
 */

export type ElementAttributes = Record<string, string>;

/** Each plot's markup, by its `data-plot` name. */
export function plotsIn(html: string): Map<string, string> {
  const plots = new Map<string, string>();
  for (const match of html.matchAll(/<svg\b([^>]*)>([\s\S]*?)<\/svg>/g)) {
    const name = attributesOf(match[1]!)['data-plot'];
    if (name !== undefined) plots.set(name, match[0]);
  }
  return plots;
}

/** The opening tags in `html` that have `attribute`, as attribute maps (the tag's name under `tag`). */
export function elementsWith(html: string, attribute: string): ElementAttributes[] {
  const found: ElementAttributes[] = [];
  for (const match of html.matchAll(/<([a-zA-Z][\w-]*)\b([^>]*)>/g)) {
    const attributes = attributesOf(match[2]!);
    if (attribute in attributes) found.push({ tag: match[1]!, ...attributes });
  }
  return found;
}

function attributesOf(text: string): ElementAttributes {
  const attributes: ElementAttributes = {};
  for (const match of text.matchAll(/([^\s=/]+)(?:="([^"]*)")?/g)) attributes[match[1]!] = decodeEntities(match[2] ?? '');
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos|nbsp);/gi, (entity, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }[lower] ?? entity;
  });
}

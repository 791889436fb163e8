/**
 * HTML and SVG built from values, escaped by default. Scenario names, node
 * names and violation details come from a file someone else wrote: every
 * string becomes text, never markup, unless it is wrapped in `Markup`, which
 * only this module and constant templates produce.
 */

/** Text already safe to place in a page. */
export class Markup {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export type Child = Markup | string | number | null | undefined | false | readonly Child[];
export type Attributes = Record<string, string | number | boolean | null | undefined>;

const ATTRIBUTE_NAME = /^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/;
const TAG_NAME = /^[a-zA-Z][a-zA-Z0-9-]*$/;
const VOID_ELEMENTS = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * `<name attributes>children</name>`. An attribute whose value is false,
 * null or undefined is left out; true writes the bare name. Names are code,
 * not data, and are checked all the same.
 */
export function element(name: string, attributes: Attributes = {}, ...children: Child[]): Markup {
  if (!TAG_NAME.test(name)) throw new Error(`not a tag name: ${JSON.stringify(name)}`);
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (!ATTRIBUTE_NAME.test(key)) throw new Error(`not an attribute name: ${JSON.stringify(key)}`);
    open += value === true ? ` ${key}` : ` ${key}="${escapeHtml(String(value))}"`;
  }
  if (VOID_ELEMENTS.has(name)) return new Markup(`${open}>`);
  return new Markup(`${open}>${join(children)}</${name}>`);
}

/** Children side by side, strings escaped. */
export function fragment(...children: Child[]): Markup {
  return new Markup(join(children));
}

function join(children: readonly Child[]): string {
  let html = '';
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (child instanceof Markup) html += child.html;
    else if (typeof child === 'string') html += escapeHtml(child);
    else if (typeof child === 'number') html += escapeHtml(String(child));
    else html += join(child);
  }
  return html;
}

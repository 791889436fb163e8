/** What each plot module gives the page: its `<svg>`, a sentence on how to read it, and an optional legend. */
import type { Markup } from './markup.js';

export interface Plot {
  readonly svg: Markup;
  readonly caption: string;
  readonly legend?: Markup;
}

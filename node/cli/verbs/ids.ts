/** Long hex ids as people read them in a table: shortened, after the config's name for them. */

/** `02abcdef…12345678` for an id longer than 20 characters. */
export function short(hex: string): string;
export function short(hex: string | undefined): string | undefined;
export function short(hex: string | undefined): string | undefined {
  return hex !== undefined && hex.length > 20 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex;
}

/** `hilltop (02abcdef…12345678)` when the config names it, the short id otherwise. */
export function labelled(id: string, name: string | undefined): string {
  return name ? `${name} (${short(id)})` : short(id);
}

// Published LoRa time-on-air values, for the formula's tests and the `lnmesh airtime` command's.

/**
 * Published values, all CR 4/5, 8 preamble symbols, explicit header, CRC on, 125 kHz.
 *
 * 37 bytes (24 application + 13 LoRaWAN header), low-data-rate optimisation
 * on for SF11 and SF12 only: the "LoRa airtime calculation" spreadsheet that
 * preceded The Things Network's airtime calculator,
 * https://docs.google.com/spreadsheets/d/1eL1nHxMidIcIdDE_l-DoY3kmE2e8b0YpOBW64WnYxj8
 * (linked from https://www.thethingsnetwork.org/forum/t/spreadsheet-for-lora-airtime-calculation/1190),
 * row "Tpacket".
 */
export const TTN_SHEET_37_BYTES: ReadonlyArray<[sf: number, ms: number]> = [
  [6, 46.208],
  [7, 82.176],
  [8, 143.872],
  [9, 267.264],
  [10, 493.568],
  [11, 1069.056],
  [12, 1974.272],
];

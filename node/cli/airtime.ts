/** `lnmesh airtime`: time on air of one LoRa packet, for planning frame sizes against a duty cycle. */
import type { Command } from 'commander';
import { InvalidInputError } from '../core/input.js';
import { lowDataRateOptimizeApplies, payloadSymbols, symbolTimeMs, timeOnAirMs, type LoRaModulation } from '../../transports/lora/airtime.js';

interface AirtimeOptions {
  sf: string;
  bw: string;
  cr: string;
  bytes: string;
  preamble: string;
  crc: boolean;
  implicitHeader?: boolean;
  ldro: string;
}

export function registerAirtimeCommand(program: Command): void {
  program
    .command('airtime')
    .summary('time on air of one LoRa packet')
    .description(
      [
        "Time on air of one LoRa packet, by Semtech's formula (AN1200.13), in milliseconds;",
        'the same figures as the Semtech and TTN LoRa airtime calculators.',
        'Example: lnmesh airtime --sf 7 --bw 125 --cr 4/5 --bytes 10   prints 41.216 ms',
      ].join('\n'),
    )
    .requiredOption('--sf <n>', 'spreading factor, 6 to 12')
    .requiredOption('--bw <kHz>', 'bandwidth in kHz (7.8, 10.4, 15.6, 20.8, 31.25, 41.7, 62.5, 125, 250 or 500)')
    .option('--cr <4/n>', 'coding rate, 4/5 to 4/8', '4/5')
    .requiredOption('--bytes <n>', 'payload bytes, 0 to 255')
    .option('--preamble <n>', 'preamble symbols', '8')
    .option('--no-crc', 'without the payload CRC')
    .option('--implicit-header', 'without the explicit PHY header')
    .option('--ldro <on|off|auto>', 'low-data-rate optimisation (auto: on above 16 ms per symbol)', 'auto')
    .action((options: AirtimeOptions) => {
      const modulation: LoRaModulation = {
        spreadingFactor: parseWhole('--sf', options.sf, 6, 12),
        bandwidthHz: parseBandwidth(options.bw),
        codingRate: parseCodingRate(options.cr),
        preambleSymbols: parseWhole('--preamble', options.preamble, 6, 65535),
        crc: options.crc,
        explicitHeader: !options.implicitHeader,
        lowDataRateOptimize: parseLdro(options.ldro),
      };
      const bytes = parseWhole('--bytes', options.bytes, 0, 255);
      const symbolMs = symbolTimeMs(modulation.spreadingFactor, modulation.bandwidthHz);
      console.log(`${format(timeOnAirMs(modulation, bytes))} ms`);
      console.log(
        `symbol ${format(symbolMs)} ms, ${modulation.preambleSymbols} preamble + 4.25 sync + ${payloadSymbols(modulation, bytes)} payload symbols, ` +
          `low data rate optimisation ${lowDataRateOptimizeApplies(modulation) ? 'on' : 'off'}`,
      );
    });
}

/** Milliseconds to the microsecond, without trailing zeros (41.216, 2465.792, 1.024). */
function format(ms: number): string {
  return String(Number(ms.toFixed(3)));
}

function parseWhole(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new InvalidInputError(option, `expected a whole number, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value < min || value > max) throw new InvalidInputError(option, `${value} is outside [${min}, ${max}]`);
  return value;
}

function parseBandwidth(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new InvalidInputError('--bw', `expected kHz such as 125, got ${JSON.stringify(text)}`);
  const kHz = Number(text);
  if (kHz < 7.8 || kHz > 500) throw new InvalidInputError('--bw', `${kHz} kHz is outside [7.8, 500] kHz`);
  return Math.round(kHz * 1000);
}

function parseCodingRate(text: string): number {
  const match = /^4\/([5-8])$/.exec(text);
  if (!match) throw new InvalidInputError('--cr', `expected 4/5, 4/6, 4/7 or 4/8, got ${JSON.stringify(text)}`);
  return Number(match[1]);
}

function parseLdro(text: string): boolean | 'auto' {
  if (text === 'on') return true;
  if (text === 'off') return false;
  if (text === 'auto') return 'auto';
  throw new InvalidInputError('--ldro', `expected on, off or auto, got ${JSON.stringify(text)}`);
}

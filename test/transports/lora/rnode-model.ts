/**
 * A MODEL of an RNode: not the firmware, and no radio. It stands where a
 * LilyGO or Heltec board flashed with markqvist/RNode_Firmware would stand,
 * at the far end of a real pseudo-terminal, so that `LoRaTransport` is
 * tested against the firmware's serial behaviour without hardware.
 *
 * What it reproduces of the firmware (RNode_Firmware.ino `serialCallback`,
 * `startRadio`, `transmit`, `receive_callback`; Utilities.h `kiss_indicate_*`):
 * - the byte-by-byte KISS parser: a frame starts at FEND, its first byte is
 *   the command; 4-byte settings act on their fourth byte, 1-byte settings
 *   on their first; FESC escapes are undone; a data frame ends at FEND and
 *   is dropped when longer than MTU (508) or empty;
 * - the answers: every setting is echoed with the value now in use (0xFF or
 *   a zero frequency/bandwidth only asks), TX power clamped to the board's
 *   maximum, SF to 6..12, CR to 5..8; CMD_DETECT 0x73 answers 0x46; CMD_READY
 *   answers 0x01; radio on reports its state twice, as startRadio does, and
 *   stays off ("locked") until frequency, bandwidth, TX power and SF are set;
 * - the chip: once the radio is on, bandwidth snaps to the SX1276 steps and
 *   frequency to its synthesiser step (32 MHz / 2^19), and the echoes say so;
 * - transmission: data while the radio is off is refused with CMD_ERROR
 *   ERROR_TXFAILED; otherwise each frame becomes one or two LoRa packets
 *   with the firmware's header byte (random sequence nibble, split flag),
 *   each on the air for its time on air (Semtech's formula, the firmware's
 *   preamble) before the other models on the same channel hear it;
 * - reception: split packets are joined by sequence nibble, then the host
 *   gets CMD_STAT_RSSI, CMD_STAT_SNR and the CMD_DATA frame.
 * Not modelled: CSMA, airtime locks, EEPROM, display, Bluetooth, statistics.
 */
import { SerialPort } from 'serialport';
import { timeOnAirMs } from '../../../transports/lora/airtime.js';
import { encodeKissFrame, FEND, FESC, TFEND, TFESC } from '../../../transports/lora/kiss.js';
import {
  DETECT_REQUEST,
  DETECT_RESPONSE,
  encodeUint32,
  QUERY_BYTE,
  RADIO_STATE_OFF,
  RADIO_STATE_ON,
  RNODE_FLAG_SPLIT,
  RNODE_MTU,
  RNODE_SINGLE_PACKET_BYTES,
  RnodeCommand,
  RnodeErrorCode,
  rnodePreambleSymbols,
} from '../../../transports/lora/rnode-commands.js';

/** What a receiver must share with a transmitter to hear it. */
interface Channel {
  readonly frequencyHz: number;
  readonly bandwidthHz: number;
  readonly spreadingFactor: number;
}

export interface AirPacket extends Channel {
  readonly bytes: Uint8Array;
  readonly startMs: number;
  readonly endMs: number;
}

/** The simulated air between models: what one transmits, the others on its channel receive. */
export class Ether {
  /** Every packet sent, for tests that check pacing. */
  readonly packets: AirPacket[] = [];
  private readonly radios = new Set<RNodeModel>();

  join(radio: RNodeModel): void {
    this.radios.add(radio);
  }

  leave(radio: RNodeModel): void {
    this.radios.delete(radio);
  }

  carry(sender: RNodeModel, packet: AirPacket): void {
    this.packets.push(packet);
    for (const radio of this.radios) if (radio !== sender) radio.hear(packet);
  }
}

export interface RNodeModelOptions {
  /** The board's highest TX power; the firmware clamps to it (17 dBm on SX1276 boards). */
  readonly maxTxPowerDbm?: number;
}

/** SX1276 bandwidths: the chip rounds a request up to the next of these. */
const CHIP_BANDWIDTHS_HZ = [7_800, 10_400, 15_600, 20_800, 31_250, 41_700, 62_500, 125_000, 250_000, 500_000];
const SYNTH_STEP_HZ = 32_000_000 / 2 ** 19;
const CMD_UNKNOWN = 0xfe;
const MODEL_RSSI_DBM = -60;
const MODEL_SNR_DB = 9.5;

export class RNodeModel {
  /** Radio state, as the firmware's globals. */
  frequencyHz = 0;
  bandwidthHz = 0;
  txPowerDbm = QUERY_BYTE;
  spreadingFactor = 0;
  codingRate = 5;
  radioOnline = false;
  /** Data frames taken from the host, and refused while the radio was off. */
  framesTransmitted = 0;
  framesRefused = 0;

  // Parser state of serialCallback.
  private inFrame = false;
  private escape = false;
  private command = CMD_UNKNOWN;
  private commandBytes: number[] = [];
  private dataBytes: number[] = [];

  private readonly txQueue: Uint8Array[] = [];
  private transmitting = false;
  private splitSequence: number | undefined;
  private splitBytes: number[] = [];
  private closed = false;

  private constructor(
    private readonly port: SerialPort,
    private readonly ether: Ether,
    private readonly options: RNodeModelOptions,
  ) {
    port.on('data', (chunk: Buffer) => {
      for (const byte of chunk) this.onSerialByte(byte);
    });
    // A write racing the port's close (an answer to the host's last command) fails; a board would not notice either.
    port.on('error', () => undefined);
    ether.join(this);
  }

  /** Opens the device end of a pty pair and starts answering on it. */
  static open(path: string, ether: Ether, options: RNodeModelOptions = {}): Promise<RNodeModel> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 115200 }, (error) => (error ? reject(error) : resolve(new RNodeModel(port, ether, options))));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ether.leave(this);
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  /** Puts raw bytes on the serial line, as line noise or a glitching board would: for tests of the host's robustness. */
  writeRaw(bytes: Uint8Array): void {
    this.port.write(Buffer.from(bytes));
  }

  /** A packet on the air reached this radio's antenna. */
  hear(packet: AirPacket): void {
    if (!this.radioOnline || this.closed) return;
    if (packet.frequencyHz !== this.frequencyHz || packet.bandwidthHz !== this.bandwidthHz || packet.spreadingFactor !== this.spreadingFactor) return;
    const header = packet.bytes[0] ?? 0;
    const data = [...packet.bytes.subarray(1)];
    const sequence = header >> 4;
    if ((header & RNODE_FLAG_SPLIT) === 0) {
      this.splitSequence = undefined;
      this.deliver(data);
    } else if (this.splitSequence === sequence) {
      this.splitSequence = undefined;
      this.deliver([...this.splitBytes, ...data].slice(0, RNODE_MTU));
    } else {
      this.splitSequence = sequence;
      this.splitBytes = data;
    }
  }

  private deliver(data: number[]): void {
    this.indicate(RnodeCommand.statRssi, [MODEL_RSSI_DBM + 157]);
    this.indicate(RnodeCommand.statSnr, [(MODEL_SNR_DB * 4) & 0xff]);
    this.indicate(RnodeCommand.data, data);
  }

  /** serialCallback, one byte at a time. */
  private onSerialByte(byte: number): void {
    if (this.inFrame && byte === FEND && this.command === RnodeCommand.data) {
      this.inFrame = false;
      this.takeDataFrame(Uint8Array.from(this.dataBytes));
      return;
    }
    if (byte === FEND) {
      this.inFrame = true;
      this.command = CMD_UNKNOWN;
      this.commandBytes = [];
      this.dataBytes = [];
      this.escape = false;
      return;
    }
    if (!this.inFrame) return;
    if (this.command === CMD_UNKNOWN && this.commandBytes.length === 0 && this.dataBytes.length === 0) {
      this.command = byte;
      return;
    }
    switch (this.command) {
      case RnodeCommand.data: {
        const value = this.unescape(byte);
        if (value !== undefined) this.dataBytes.push(value);
        return;
      }
      case RnodeCommand.frequency:
      case RnodeCommand.bandwidth: {
        const value = this.unescape(byte);
        if (value !== undefined) this.commandBytes.push(value);
        if (this.commandBytes.length === 4) this.onFourByteSetting(this.command, this.commandBytes);
        return;
      }
      case RnodeCommand.txPower:
        if (byte !== QUERY_BYTE) this.txPowerDbm = Math.min(byte, this.options.maxTxPowerDbm ?? 17);
        this.indicate(RnodeCommand.txPower, [this.txPowerDbm]);
        return;
      case RnodeCommand.spreadingFactor:
        if (byte !== QUERY_BYTE) this.spreadingFactor = Math.min(Math.max(byte, 6), 12);
        this.indicate(RnodeCommand.spreadingFactor, [this.spreadingFactor]);
        return;
      case RnodeCommand.codingRate:
        if (byte !== QUERY_BYTE) this.codingRate = Math.min(Math.max(byte, 5), 8);
        this.indicate(RnodeCommand.codingRate, [this.codingRate]);
        return;
      case RnodeCommand.radioState:
        if (byte === RADIO_STATE_OFF) this.radioOnline = false;
        else if (byte === RADIO_STATE_ON) this.startRadio();
        if (byte === RADIO_STATE_OFF || byte === RADIO_STATE_ON || byte === QUERY_BYTE) this.indicateRadioState();
        return;
      case RnodeCommand.detect:
        if (byte === DETECT_REQUEST) this.indicate(RnodeCommand.detect, [DETECT_RESPONSE]);
        return;
      case RnodeCommand.ready:
        this.indicate(RnodeCommand.ready, [0x01]);
        return;
      default:
        return; // CMD_LEAVE and everything not modelled: no answer.
    }
  }

  private unescape(byte: number): number | undefined {
    if (byte === FESC) {
      this.escape = true;
      return undefined;
    }
    if (!this.escape) return byte;
    this.escape = false;
    return byte === TFEND ? FEND : byte === TFESC ? FESC : byte;
  }

  private onFourByteSetting(command: number, bytes: number[]): void {
    const value = (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0);
    if (command === RnodeCommand.frequency) {
      if (value !== 0) this.frequencyHz = this.radioOnline ? chipFrequency(value) : value;
      this.indicate(command, [...encodeUint32(this.frequencyHz)]);
    } else {
      if (value !== 0) this.bandwidthHz = this.radioOnline ? chipBandwidth(value) : value;
      this.indicate(command, [...encodeUint32(this.bandwidthHz)]);
    }
  }

  private startRadio(): void {
    const locked = this.frequencyHz === 0 || this.bandwidthHz === 0 || this.txPowerDbm === QUERY_BYTE || this.spreadingFactor === 0;
    if (!locked && !this.radioOnline) {
      this.radioOnline = true;
      this.bandwidthHz = chipBandwidth(this.bandwidthHz);
      this.frequencyHz = chipFrequency(this.frequencyHz);
    }
    this.indicateRadioState();
  }

  private indicateRadioState(): void {
    this.indicate(RnodeCommand.radioState, [this.radioOnline ? RADIO_STATE_ON : RADIO_STATE_OFF]);
  }

  private takeDataFrame(frame: Uint8Array): void {
    if (frame.length < 1 || frame.length > RNODE_MTU) return;
    if (!this.radioOnline) {
      this.framesRefused++;
      this.indicate(RnodeCommand.error, [RnodeErrorCode.txFailed]);
      return;
    }
    this.txQueue.push(frame);
    void this.transmitQueued();
  }

  /** transmit(): the firmware's header byte, the split into packets, each on the air for its time on air. */
  private async transmitQueued(): Promise<void> {
    if (this.transmitting) return;
    this.transmitting = true;
    for (let frame = this.txQueue.shift(); frame && !this.closed; frame = this.txQueue.shift()) {
      this.framesTransmitted++;
      let header = Math.floor(Math.random() * 256) & 0xf0;
      if (frame.length > RNODE_SINGLE_PACKET_BYTES - 1) header |= RNODE_FLAG_SPLIT;
      const packets: number[][] = [[header]];
      for (const byte of frame) {
        const current = packets[packets.length - 1] ?? [];
        current.push(byte);
        if (current.length === RNODE_SINGLE_PACKET_BYTES && (header & RNODE_FLAG_SPLIT) !== 0) packets.push([header]);
      }
      for (const bytes of packets) {
        const channel = { frequencyHz: this.frequencyHz, bandwidthHz: this.bandwidthHz, spreadingFactor: this.spreadingFactor };
        const airtimeMs = timeOnAirMs(
          { ...channel, codingRate: this.codingRate, preambleSymbols: rnodePreambleSymbols(this.spreadingFactor, this.bandwidthHz) },
          bytes.length,
        );
        const startMs = performance.now();
        await new Promise((resolve) => setTimeout(resolve, airtimeMs));
        if (this.closed) break;
        this.ether.carry(this, { ...channel, bytes: Uint8Array.from(bytes), startMs, endMs: startMs + airtimeMs });
      }
    }
    this.transmitting = false;
  }

  private indicate(command: number, payload: number[]): void {
    if (this.closed || !this.port.isOpen) return;
    this.port.write(Buffer.from(encodeKissFrame(command, Uint8Array.from(payload))));
  }
}

function chipBandwidth(requestedHz: number): number {
  return CHIP_BANDWIDTHS_HZ.find((bandwidth) => requestedHz <= bandwidth) ?? 500_000;
}

function chipFrequency(requestedHz: number): number {
  return Math.floor(Math.floor(requestedHz / SYNTH_STEP_HZ) * SYNTH_STEP_HZ);
}

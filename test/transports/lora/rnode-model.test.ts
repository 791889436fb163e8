// The RNode model answers a host as the firmware does: checked here byte for byte over a real pty.
import t from 'tap';
import { SerialPort } from 'serialport';
import { encodeKissFrame, KissDecoder, type KissFrame } from '../../../transports/lora/kiss.js';
import { RnodeCommand, setBandwidth, setFrequency, setRadioState, setSpreadingFactor, setTxPower } from '../../../transports/lora/rnode-commands.js';
import { openPtyPair, ptySkipReason } from '../pty.js';
import { Ether, RNodeModel } from './rnode-model.js';

const skip = ptySkipReason();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

t.test('a locked radio stays off, and data while it is off is refused with ERROR_TXFAILED', { skip }, async (t) => {
  const pair = await openPtyPair();
  const model = await RNodeModel.open(pair.b, new Ether());
  const host = await new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path: pair.a, baudRate: 115200 }, (error) => (error ? reject(error) : resolve(port)));
  });
  t.teardown(async () => {
    await new Promise((resolve) => host.close(resolve));
    await model.close();
    await pair.close();
  });
  const decoder = new KissDecoder(600);
  const frames: KissFrame[] = [];
  let wake: (() => void) | undefined;
  host.on('data', (chunk: Buffer) => {
    frames.push(...decoder.push(chunk));
    wake?.();
  });
  const answers = async (count: number): Promise<string[]> => {
    while (frames.length < count) await new Promise<void>((resolve) => (wake = resolve));
    return frames.splice(0, count).map((frame) => `${frame.command.toString(16)}:${hex(frame.payload)}`);
  };

  host.write(Buffer.from(setRadioState(true)));
  t.same(await answers(2), ['6:00', '6:00'], 'nothing set yet: locked, reported twice as startRadio does');
  host.write(Buffer.from(encodeKissFrame(RnodeCommand.data, Uint8Array.of(1, 2, 3))));
  t.same(await answers(1), ['90:02'], 'CMD_ERROR ERROR_TXFAILED');
  t.equal(model.framesRefused, 1);

  host.write(Buffer.from([...setFrequency(433_775_000), ...setBandwidth(20_000), ...setTxPower(30), ...setSpreadingFactor(13)]));
  t.same(await answers(4), ['1:19dae198', '2:00004e20', '3:11', '4:0c'], 'echoes: 433.775 MHz, 20 kHz as asked while off, TX power clamped to 17, SF to 12');
  host.write(Buffer.from([...setRadioState(true), ...encodeKissFrame(RnodeCommand.bandwidth, new Uint8Array(4))]));
  t.same(await answers(3), ['6:01', '6:01', '2:00005140'], 'on; the chip rounds 20 kHz up to 20.8 kHz');
});

/**
 * The byte stream to a radio: its USB serial port, or its TCP API (port
 * 4403), which carry the same framing. One small interface so that the
 * transport does not care which.
 */
import { connect, type Socket } from 'node:net';
import { loadSerialPort } from '../serial/load-serialport.js';
import { writeToPort } from '../serial/write-to-port.js';
import { TransportError } from '../transport.js';
import type { CheckedMeshtasticOptions } from './meshtastic-options.js';

export interface RadioStream {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Bytes from the radio; `onClose` once when the stream goes away (unplugged, connection lost, or closed by us). */
  listen(onData: (chunk: Uint8Array) => void, onClose: () => void): void;
}

export function openRadioStream(options: CheckedMeshtasticOptions): Promise<RadioStream> {
  return options.tcp ? openTcp(options.tcp.host, options.tcp.port) : openSerial(options.path);
}

async function openSerial(path: string): Promise<RadioStream> {
  const SerialPort = await loadSerialPort('a Meshtastic radio on serial');
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    port.open((error) => {
      if (error) return reject(new TransportError(`cannot open the serial port ${path}: ${error.message}`));
      port.on('error', () => undefined); // a write failing shows in its promise; a lost port closes it
      resolve({
        write: (bytes) => writeToPort(port, bytes),
        close: () => new Promise<void>((done) => (port.isOpen ? port.close(() => done()) : done())),
        listen(onData, onClose) {
          port.on('data', (chunk: Buffer) => onData(chunk));
          port.once('close', onClose);
        },
      });
    });
  });
}

function openTcp(host: string, port: number): Promise<RadioStream> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    socket.once('error', (error) => reject(new TransportError(`cannot connect to the radio at tcp://${host}:${port}: ${error.message}`)));
    socket.once('connect', () => {
      socket.on('error', () => undefined); // followed by 'close'
      socket.setNoDelay(true);
      resolve({
        write: (bytes) => new Promise<void>((done, fail) => socket.write(bytes, (error) => (error ? fail(error) : done()))),
        close: async () => void socket.destroy(),
        listen(onData, onClose) {
          socket.on('data', (chunk: Buffer) => onData(chunk));
          socket.once('close', onClose);
        },
      });
    });
  });
}

/**
 * LDK's `SignerProvider`: the `KeysManager`'s channel keys, but the
 * gateway's wallet for where a channel's funds go on close (the shutdown
 * script, and the destination of what LDK sweeps). LDK asks synchronously
 * and the wallet answers asynchronously, so one script is fetched ahead and
 * replaced after each use.
 */
import type { Logger } from '../../node/core/logger.js';
import type { OnChainWallet } from '../wallet/on-chain-wallet.js';
import type { KeysManager, ShutdownScript, SignerProvider } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

/** A shutdown script LDK accepts: P2WPKH or P2WSH (the wallet's receive scripts are P2WPKH). */
export function shutdownScript(ldk: Ldk, script: Uint8Array): ShutdownScript | undefined {
  if (script.length === 22 && script[0] === 0x00 && script[1] === 0x14) return ldk.ShutdownScript.constructor_new_p2wpkh(script.slice(2));
  if (script.length === 34 && script[0] === 0x00 && script[1] === 0x20) return ldk.ShutdownScript.constructor_new_p2wsh(script.slice(2));
  return undefined;
}

const U120_MASK = (1n << 120n) - 1n;

export async function walletSignerProvider(ldk: Ldk, keys: KeysManager, wallet: OnChainWallet, logger: Logger): Promise<SignerProvider> {
  const own = keys.as_SignerProvider();
  let next = await wallet.receiveScript();
  if (!shutdownScript(ldk, next)) throw new Error('the wallet gave a receive script that is neither P2WPKH nor P2WSH; LDK cannot close to it');
  const take = (): Uint8Array => {
    const script = next;
    wallet.receiveScript().then(
      (fresh) => (shutdownScript(ldk, fresh) ? (next = fresh) : logger.log('warn', 'the wallet gave a receive script LDK cannot close to; reusing the last')),
      (error: unknown) => logger.log('warn', 'cannot get a new receive script from the wallet; reusing the last', { error: String(error) }),
    );
    return script;
  };
  return ldk.SignerProvider.new_impl({
    // The KeysManager derives keys from its own counter; the user channel id only tags the keys id. Masked: the
    // bindings hand it over byte-reversed and refuse to take back a u128 of 2^124 or more.
    generate_channel_keys_id: (inbound, value, userChannelId) => own.generate_channel_keys_id(inbound, value, userChannelId & U120_MASK),
    derive_channel_signer: (value, keysId) => own.derive_channel_signer(value, keysId),
    read_chan_signer: (reader) => own.read_chan_signer(reader),
    get_destination_script: () => ldk.Result_CVec_u8ZNoneZ.constructor_ok(take()),
    get_shutdown_scriptpubkey: () => ldk.Result_ShutdownScriptNoneZ.constructor_ok(shutdownScript(ldk, take())!),
  });
}

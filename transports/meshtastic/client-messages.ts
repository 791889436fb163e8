/**
 * The shapes of the client API messages lnmesh uses, and the numbers it acts
 * on. Decoders return these with every field present (protobuf's defaults
 * filled in); encoders take the `...Init` forms, where a field left out is
 * its default. Field names are mesh.proto's, in camel case.
 */

/** Data.payload's limit (mesh.proto, Constants.DATA_PAYLOAD_LEN; mesh.options, Data.payload max_size). */
export const DATA_PAYLOAD_LEN = 233;
/** MeshPacket.encrypted's limit (mesh.options, MeshPacket.encrypted max_size). */
export const ENCRYPTED_PAYLOAD_LEN = 256;
/** The most hops a packet may be sent with (HOP_MAX, firmware src/mesh/MeshTypes.h: 3 bits of the radio header). */
export const HOP_MAX = 7;
/** Channel indexes are 0..7: the firmware holds 8 (MAX_NUM_CHANNELS, src/mesh/mesh-pb-constants.h, from deviceonly.options ChannelFile.channels max_count). */
export const MAX_CHANNEL_INDEX = 7;
/** MeshPacket.Priority's largest value, MAX (mesh.proto). */
export const MAX_PRIORITY = 127;

/**
 * `want_config_id` values the firmware treats specially (SPECIAL_NONCE_ONLY_CONFIG and SPECIAL_NONCE_ONLY_NODES,
 * src/mesh/PhoneAPI.h): the radio then sends only its config, or only its node infos. A client that wants the
 * whole handshake picks any other nonce.
 */
export const SpecialConfigNonce = { onlyConfig: 69420, onlyNodes: 69421 } as const;

export function isSpecialConfigNonce(nonce: number): boolean {
  return nonce === SpecialConfigNonce.onlyConfig || nonce === SpecialConfigNonce.onlyNodes;
}

/** Port numbers (portnums.proto, enum PortNum): only those lnmesh names; any other in 0..511 decodes too. */
export const PortNum = {
  unknown: 0,
  textMessage: 1,
  routing: 5,
  /** PRIVATE_APP: 256..511 are for private applications; lnmesh's frames travel here by default. */
  privateApp: 256,
  /** PortNum MAX. */
  max: 511,
} as const;

/** MeshPacket.Priority (mesh.proto). */
export const Priority = {
  unset: 0, min: 1, background: 10, default: 64, reliable: 70, response: 80, high: 100, alert: 110, ack: 120, max: 127,
} as const;

/** Routing.Error (mesh.proto): the codes a routing packet (port 5) carries; a future firmware may add others. */
export const RoutingError = {
  NONE: 0,
  NO_ROUTE: 1,
  GOT_NAK: 2,
  TIMEOUT: 3,
  NO_INTERFACE: 4,
  MAX_RETRANSMIT: 5,
  NO_CHANNEL: 6,
  TOO_LARGE: 7,
  NO_RESPONSE: 8,
  DUTY_CYCLE_LIMIT: 9,
  BAD_REQUEST: 32,
  NOT_AUTHORIZED: 33,
  PKI_FAILED: 34,
  PKI_UNKNOWN_PUBKEY: 35,
  ADMIN_BAD_SESSION_KEY: 36,
  ADMIN_PUBLIC_KEY_UNAUTHORIZED: 37,
  RATE_LIMIT_EXCEEDED: 38,
  PKI_SEND_FAIL_PUBLIC_KEY: 39,
} as const;

/** A Routing.Error code's name, or `UNKNOWN(n)`. */
export function routingErrorName(code: number): string {
  const entry = Object.entries(RoutingError).find(([, value]) => value === code);
  return entry ? entry[0] : `UNKNOWN(${code})`;
}

/** mesh.proto, message Data. */
export interface MeshData {
  /** PortNum: 0..511. */
  readonly portnum: number;
  /** At most DATA_PAYLOAD_LEN bytes. */
  readonly payload: Uint8Array;
  readonly wantResponse: boolean;
  /** The id of the packet this answers (a routing ack or nak names the packet it is about). */
  readonly requestId: number;
}

export type MeshDataInit = Pick<MeshData, 'portnum' | 'payload'> & Partial<Omit<MeshData, 'portnum' | 'payload'>>;

/** mesh.proto, message MeshPacket: the fields lnmesh reads or sets. */
export interface MeshPacket {
  /** Node number of the sender; 0 from the client means "this radio". */
  readonly from: number;
  readonly to: number;
  /** Channel index, 0..7 (for a packet the radio could not decrypt, the channel's hash, 0..255). */
  readonly channel: number;
  /** Exactly one of `decoded` and `encrypted` is set, or neither. */
  readonly decoded: MeshData | undefined;
  readonly encrypted: Uint8Array | undefined;
  /** 0 asks the radio to pick one. */
  readonly id: number;
  readonly hopLimit: number;
  readonly hopStart: number;
  readonly wantAck: boolean;
  readonly priority: number;
  /** Seconds since 1970 when received (0: not known). */
  readonly rxTime: number;
  readonly rxSnr: number;
  readonly rxRssi: number;
  /**
   * Encrypted to the destination's key (a direct message, firmware 2.5 and later) rather than with a channel's key.
   * Such a packet reaches the client on channel 0 whatever channel its sender named (the radio header carries no
   * channel for it: Router.cpp, perhapsDecode).
   */
  readonly pkiEncrypted: boolean;
}

export type MeshPacketInit = Partial<Omit<MeshPacket, 'decoded'>> & { readonly decoded?: MeshDataInit | undefined };

/** mesh.proto, message QueueStatus: the radio's transmit queue after a ToRadio packet. */
export interface QueueStatus {
  /** 0 when the packet was queued, else an error number. */
  readonly res: number;
  readonly free: number;
  readonly maxlen: number;
  /** The id of the packet this is about. */
  readonly meshPacketId: number;
}

/** A variant of ToRadio or FromRadio that lnmesh does not read, kept as its bytes. */
export interface OpaqueVariant {
  readonly kind: 'opaque';
  /** Its field number in ToRadio or FromRadio. */
  readonly field: number;
  readonly name: string;
  readonly bytes: Uint8Array;
}

type ToRadioOf<Packet> =
  | { readonly kind: 'packet'; readonly packet: Packet }
  | { readonly kind: 'wantConfigId'; readonly nonce: number }
  | { readonly kind: 'disconnect' }
  | { readonly kind: 'heartbeat'; readonly nonce: number }
  | OpaqueVariant
  /** No variant set (an empty message, or one from a newer firmware). */
  | { readonly kind: 'none' };

/** mesh.proto, message ToRadio: what a client sends. */
export type ToRadio = ToRadioOf<MeshPacket>;
export type ToRadioInit = ToRadioOf<MeshPacketInit>;

type FromRadioOf<Packet> =
  | { readonly kind: 'packet'; readonly packet: Packet }
  | { readonly kind: 'myInfo'; readonly myNodeNum: number }
  | { readonly kind: 'nodeInfo'; readonly num: number }
  | { readonly kind: 'configCompleteId'; readonly nonce: number }
  | { readonly kind: 'rebooted'; readonly rebooted: boolean }
  | { readonly kind: 'queueStatus'; readonly queueStatus: QueueStatus }
  | OpaqueVariant
  | { readonly kind: 'none' };

/** mesh.proto, message FromRadio: what the radio sends; `id` numbers them (0 when not). */
export type FromRadio = FromRadioOf<MeshPacket> & { readonly id: number };
export type FromRadioInit = FromRadioOf<MeshPacketInit> & { readonly id?: number };

/** mesh.proto, message Routing, as the payload of a packet on port 5. */
export type Routing =
  | { readonly kind: 'error'; readonly errorReason: number }
  | { readonly kind: 'routeRequest' | 'routeReply'; readonly bytes: Uint8Array }
  | { readonly kind: 'none' };

/**
 * The few messages of Meshtastic's client API that lnmesh speaks, as a
 * protobufjs schema of our own. The field numbers and types are facts of the
 * published wire format, looked up in meshtastic/protobufs (the file and
 * message named beside each); nothing of that repository or of the official
 * JS packages (GPL-3.0) is copied or loaded. Enums are declared as int32,
 * which is how protobuf puts an enum on the wire. Fields we do not need are
 * left out, so protobufjs skips them as unknown; the other variants of
 * ToRadio and FromRadio are kept as opaque bytes, so a decoder can say which
 * one came and a model can send one back.
 */
import protobuf from 'protobufjs/light.js';

const type = (fields: Record<string, [number, string]>, oneofs?: Record<string, string[]>) => ({
  fields: Object.fromEntries(Object.entries(fields).map(([name, [id, fieldType]]) => [name, { id, type: fieldType }])),
  ...(oneofs && { oneofs: Object.fromEntries(Object.entries(oneofs).map(([name, members]) => [name, { oneof: members }])) }),
});

/** FromRadio variants we carry as opaque bytes (mesh.proto, FromRadio.payload_variant). */
export const OPAQUE_FROM_RADIO: Readonly<Record<number, string>> = {
  5: 'config',
  6: 'logRecord',
  9: 'moduleConfig',
  10: 'channel',
  12: 'xmodemPacket',
  13: 'metadata',
  14: 'mqttClientProxyMessage',
  15: 'fileInfo',
  16: 'clientNotification',
  17: 'deviceuiConfig',
  18: 'lockdownStatus',
  19: 'regionPresets',
};

/** ToRadio variants we carry as opaque bytes (mesh.proto, ToRadio.payload_variant). */
export const OPAQUE_TO_RADIO: Readonly<Record<number, string>> = {
  5: 'xmodemPacket',
  6: 'mqttClientProxyMessage',
};

const opaque = (variants: Readonly<Record<number, string>>): Record<string, [number, string]> =>
  Object.fromEntries(Object.entries(variants).map(([id, name]) => [name, [Number(id), 'bytes']]));

const root = protobuf.Root.fromJSON({
  nested: {
    // mesh.proto, message Data: portnum (PortNum, portnums.proto) 1, payload 2, want_response 3, request_id 6.
    Data: type({ portnum: [1, 'int32'], payload: [2, 'bytes'], wantResponse: [3, 'bool'], requestId: [6, 'fixed32'] }),
    // mesh.proto, message MeshPacket: from 1, to 2, channel 3, oneof payload_variant { decoded 4, encrypted 5 }, id 6,
    // rx_time 7, rx_snr 8, hop_limit 9, want_ack 10, priority 11 (MeshPacket.Priority), rx_rssi 12, hop_start 15,
    // pki_encrypted 17.
    MeshPacket: type(
      {
        from: [1, 'fixed32'], to: [2, 'fixed32'], channel: [3, 'uint32'], decoded: [4, 'Data'], encrypted: [5, 'bytes'],
        id: [6, 'fixed32'], rxTime: [7, 'fixed32'], rxSnr: [8, 'float'], hopLimit: [9, 'uint32'], wantAck: [10, 'bool'],
        priority: [11, 'int32'], rxRssi: [12, 'int32'], hopStart: [15, 'uint32'], pkiEncrypted: [17, 'bool'],
      },
      { payloadVariant: ['decoded', 'encrypted'] },
    ),
    // mesh.proto, message MyNodeInfo: my_node_num 1.
    MyNodeInfo: type({ myNodeNum: [1, 'uint32'] }),
    // mesh.proto, message NodeInfo: num 1 (the rest is the node's user, position and metrics: not needed).
    NodeInfo: type({ num: [1, 'uint32'] }),
    // mesh.proto, message QueueStatus: res 1, free 2, maxlen 3, mesh_packet_id 4.
    QueueStatus: type({ res: [1, 'int32'], free: [2, 'uint32'], maxlen: [3, 'uint32'], meshPacketId: [4, 'uint32'] }),
    // mesh.proto, message Heartbeat: nonce 1.
    Heartbeat: type({ nonce: [1, 'uint32'] }),
    // mesh.proto, message Routing: oneof variant { route_request 1, route_reply 2 (RouteDiscovery, kept opaque), error_reason 3 (Routing.Error) }.
    Routing: type({ routeRequest: [1, 'bytes'], routeReply: [2, 'bytes'], errorReason: [3, 'int32'] }, { variant: ['routeRequest', 'routeReply', 'errorReason'] }),
    // mesh.proto, message ToRadio: oneof payload_variant { packet 1, want_config_id 3, disconnect 4, heartbeat 7 }.
    ToRadio: type(
      { packet: [1, 'MeshPacket'], wantConfigId: [3, 'uint32'], disconnect: [4, 'bool'], heartbeat: [7, 'Heartbeat'], ...opaque(OPAQUE_TO_RADIO) },
      { payloadVariant: ['packet', 'wantConfigId', 'disconnect', 'heartbeat', ...Object.values(OPAQUE_TO_RADIO)] },
    ),
    // mesh.proto, message FromRadio: id 1, oneof payload_variant { packet 2, my_info 3, node_info 4, config_complete_id 7,
    // rebooted 8, queueStatus 11, and the opaque ones }.
    FromRadio: type(
      {
        id: [1, 'uint32'], packet: [2, 'MeshPacket'], myInfo: [3, 'MyNodeInfo'], nodeInfo: [4, 'NodeInfo'],
        configCompleteId: [7, 'uint32'], rebooted: [8, 'bool'], queueStatus: [11, 'QueueStatus'], ...opaque(OPAQUE_FROM_RADIO),
      },
      { payloadVariant: ['packet', 'myInfo', 'nodeInfo', 'configCompleteId', 'rebooted', 'queueStatus', ...Object.values(OPAQUE_FROM_RADIO)] },
    ),
  },
});

export const ToRadioType = root.lookupType('ToRadio');
export const FromRadioType = root.lookupType('FromRadio');
export const RoutingType = root.lookupType('Routing');

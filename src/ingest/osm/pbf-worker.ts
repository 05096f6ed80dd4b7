/**
 * Worker thread: inflates and decodes OSMData blobs. Receives `{ id, blob }` (the blob's buffer
 * transferred), answers `{ id, wire }` with the typed arrays transferred, or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { decodeDataBlob, PbfFormatError, wireTransferList } from './pbf-decode.js';

export interface DecodeRequest {
  id: number;
  blob: Uint8Array;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: DecodeRequest) => {
    let wire;
    try {
      wire = decodeDataBlob(msg.blob);
    } catch (e) {
      const err = e as Error;
      port.postMessage({ id: msg.id, error: err.message, format: err instanceof PbfFormatError });
      return;
    }
    port.postMessage({ id: msg.id, wire }, wireTransferList(wire));
  });
}

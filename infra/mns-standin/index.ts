/**
 * A local stand-in of Alibaba Cloud MNS (queue model) on 127.0.0.1 that the official npm client
 * `@alicloud/mns` uses unchanged: `new MNSClient(standIn.accountId, { endpoint: standIn.endpoint,
 * accessKeyId, accessKeySecret })`. It checks signatures, enforces the service's limits and answers
 * with its status codes and error codes; with `dir` its state survives a restart.
 */
import type { AddressInfo } from 'node:net';
import { QueueStore } from './queue-store.ts';
import { createMnsServer } from './server.ts';

export interface MnsStandInOptions {
  /** Where the journal lives; without it, state is in memory only. */
  readonly dir?: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  /** The one key pair the stand-in accepts. */
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Reported back for the client's constructor, which requires one. */
  readonly accountId?: string;
}

export interface MnsStandIn {
  /** `http://127.0.0.1:<port>`, the client's `endpoint` option. */
  readonly endpoint: string;
  readonly accountId: string;
  /** Ends long polls, closes connections and the journal. */
  close(): Promise<void>;
}

const DEFAULT_ACCOUNT_ID = '1000000000000001';

export async function startMnsStandIn(options: MnsStandInOptions): Promise<MnsStandIn> {
  const store = new QueueStore(options.dir);
  let endpoint = '';
  const server = createMnsServer({
    store,
    credentials: { accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret },
    endpoint: () => endpoint,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    store.close();
    throw e;
  }
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        store.close(); // long polls return at once; their connections then close
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

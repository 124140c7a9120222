/** The local stand-ins of the cloud services, started together (scripts/stand-ins.ts, the local distributed run, tests). */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startLindormStandIn, type LindormStandIn } from '../../infra/lindorm-standin/index.ts';
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../../infra/maxcompute-standin/index.ts';
import { startMnsStandIn, type MnsStandIn } from '../../infra/mns-standin/index.ts';
import { startTablestoreStandIn, type TablestoreStandIn } from '../../infra/tablestore-standin/index.ts';

export interface StandInsOptions {
  readonly dir?: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface StandIns {
  readonly mns: MnsStandIn;
  readonly tablestore: TablestoreStandIn;
  readonly maxcompute: MaxComputeStandIn;
  readonly lindorm: LindormStandIn;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Endpoints and credentials, as `npm run stand-ins` prints them. */
  describe(): Record<string, string>;
  close(): Promise<void>;
}

/** Fresh credentials for the stand-ins, shaped like Alibaba Cloud's (an AccessKey id starts with LTAI). */
export function newStandInKeys(): { accessKeyId: string; accessKeySecret: string } {
  return { accessKeyId: `LTAI${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(18).toString('base64url') };
}

export async function startStandIns(options: StandInsOptions): Promise<StandIns> {
  const keys = { accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret };
  const mns = await startMnsStandIn({ ...keys, port: 0, ...(options.dir ? { dir: join(options.dir, 'mns') } : {}) });
  const tablestore = await startTablestoreStandIn({ ...keys, port: 0, ...(options.dir ? { dir: join(options.dir, 'tablestore') } : {}) }).catch(async (e: unknown) => {
    await mns.close();
    throw e;
  });
  const maxcompute = await startMaxComputeStandIn({ ...keys, port: 0, ...(options.dir ? { dir: join(options.dir, 'maxcompute') } : {}) }).catch(async (e: unknown) => {
    await Promise.all([mns.close(), tablestore.close()]);
    throw e;
  });
  const lindorm = await startLindormStandIn({ password: randomBytes(12).toString('base64url'), port: 0, ...(options.dir ? { dir: join(options.dir, 'lindorm') } : {}) }).catch(async (e: unknown) => {
    await Promise.all([mns.close(), tablestore.close(), maxcompute.close()]);
    throw e;
  });
  return {
    mns,
    tablestore,
    maxcompute,
    lindorm,
    ...keys,
    describe: () => ({
      mnsEndpoint: mns.endpoint,
      mnsAccountId: mns.accountId,
      tablestoreEndpoint: tablestore.endpoint,
      tablestoreInstance: tablestore.instance,
      maxcomputeEndpoint: maxcompute.endpoint,
      maxcomputeProject: maxcompute.project,
      lindormHost: lindorm.host,
      lindormPort: String(lindorm.port),
      lindormUser: lindorm.user,
      lindormPassword: lindorm.password,
      accessKeyId: keys.accessKeyId,
      accessKeySecret: keys.accessKeySecret,
    }),
    close: async () => {
      await Promise.all([mns.close(), tablestore.close(), maxcompute.close(), lindorm.close()]);
    },
  };
}

/**
 * The context Function Compute 3.0 passes an event handler, as tests invoke the real handlers with it:
 * the request id, the function role's temporary credentials, and the function's name, memory and
 * timeout (seconds: the only deadline FC gives).
 */
import { randomUUID } from 'node:crypto';
import type { FcContext } from '../../shared/distributed/fc-events.ts';

export function fcContext(fn: { readonly name: string; readonly timeout?: number; readonly memory?: number }): FcContext {
  return {
    requestId: randomUUID(),
    credentials: { accessKeyId: 'STS.test', accessKeySecret: 'secret', securityToken: 'sts-token' },
    function: { memory: 512, ...fn },
    region: 'cn-hangzhou',
    accountId: '1234567890',
  };
}

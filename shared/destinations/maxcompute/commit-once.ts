/**
 * Commits an upload session whose commit may have happened already (its answer lost, or made by an
 * applier that was killed after it): the session's status says. CLOSED is committed; NORMAL is
 * committed now (of two committing at once, one is refused and finds it CLOSED); any other status
 * (EXPIRED after 24 h, CANCELED) no longer tells.
 */
import { FcDtsError } from '../../errors.ts';
import type { TableTunnel, UploadTarget } from '../../maxcompute/tunnel-client.ts';

/** `fresh`: the caller opened the session and has not committed it (no status read before the commit). */
export async function commitOnce(tunnel: TableTunnel, target: UploadTarget, uploadId: string, fix: string, fresh = false): Promise<void> {
  const status = fresh ? 'NORMAL' : (await tunnel.reloadUpload(target, uploadId)).status;
  if (status === 'CLOSED') return;
  if (status !== 'NORMAL') {
    const partition = target.partition ? ` partition (${String(target.partition)})` : '';
    throw new FcDtsError('LOAD_FAILED', `MaxCompute table ${target.table}${partition}: upload session ${uploadId} is ${status}, so whether its rows were committed cannot be read from it (sessions last 24 h)`, fix);
  }
  try {
    await tunnel.commitUpload(target, uploadId);
  } catch (e) {
    // The answer was lost, another applier committed it first, or the commit failed: the session says which.
    if ((await tunnel.reloadUpload(target, uploadId)).status !== 'CLOSED') throw e;
  }
}

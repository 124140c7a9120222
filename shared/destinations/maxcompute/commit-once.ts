/**
 * Commits an upload session whose commit may have happened already (its answer lost, or made by an
 * applier that was killed after it): the session's status says. CLOSED is committed; NORMAL is
 * committed now (of two committing at once, one is refused and finds it CLOSED); any other status
 * (EXPIRED after 24 h, CANCELED), or no session at all (forgotten after its 24 h), no longer tells:
 * that is an UploadSessionGone, and only the table can say whether the rows are there.
 */
import { FcDtsError } from '../../errors.ts';
import { MaxComputeError } from '../../maxcompute/maxcompute-errors.ts';
import type { TableTunnel, UploadTarget } from '../../maxcompute/tunnel-client.ts';

/** The session no longer says whether it was committed. */
export class UploadSessionGone extends FcDtsError {
  constructor(target: UploadTarget, uploadId: string, status: string, fix: string) {
    const partition = target.partition ? ` partition (${String(target.partition)})` : '';
    const state = status === 'GONE' ? 'no longer known to the service' : status;
    super('LOAD_FAILED', `MaxCompute table ${target.table}${partition}: upload session ${uploadId} is ${state}, so whether its rows were committed cannot be read from it (sessions last 24 h)`, fix);
    this.name = 'UploadSessionGone';
  }
}

/** `fresh`: the caller opened the session and has not committed it (no status read before the commit). */
export async function commitOnce(tunnel: TableTunnel, target: UploadTarget, uploadId: string, fix: string, fresh = false): Promise<void> {
  const status = fresh ? 'NORMAL' : await statusOf(tunnel, target, uploadId);
  if (status === 'CLOSED') return;
  if (status !== 'NORMAL') throw new UploadSessionGone(target, uploadId, status, fix);
  try {
    await tunnel.commitUpload(target, uploadId);
  } catch (e) {
    // The answer was lost, another applier committed it first, or the commit failed: the session says which.
    const now = await statusOf(tunnel, target, uploadId);
    if (now === 'CLOSED') return;
    if (now !== 'NORMAL') throw new UploadSessionGone(target, uploadId, now, fix);
    throw e;
  }
}

/** The session's status; GONE when the service no longer has it. */
async function statusOf(tunnel: TableTunnel, target: UploadTarget, uploadId: string): Promise<string> {
  try {
    return (await tunnel.reloadUpload(target, uploadId)).status;
  } catch (e) {
    if (e instanceof MaxComputeError && e.serviceCode === 'NoSuchUpload') return 'GONE';
    throw e;
  }
}

/**
 * The binlog reader container (FC custom container, one minimum instance): reads the source binlog
 * into the destination's queue (shared/distributed/reader-service.ts) and answers health checks on
 * the container port (DTS_HEALTH_PORT, default 9000). SIGTERM (eviction, redeploy) stops it
 * cleanly; the next instance resumes from the saved position once it holds the lease.
 * DTS_UNTIL=caught-up stops it once everything committed before it started is in the queue;
 * DTS_LEASE_MS sets the lease lifetime (default 30 s).
 */
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { runReaderService } from '../../shared/distributed/reader-service.ts';
import { runtime } from '../../shared/distributed/runtime.ts';
import { isFcDtsError } from '../../shared/errors.ts';
import type { ReaderLease } from '../../shared/state/distributed-state.ts';

const port = Number(process.env.DTS_HEALTH_PORT ?? 9000);
const stop = new AbortController();
let lease: ReaderLease | undefined;
let lastStatus: unknown;

const health = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: !stop.signal.aborted, lease: lease && { owner: lease.owner, token: lease.token }, status: lastStatus }));
});
health.listen(port, () => console.log(`health endpoint on :${port}`));

for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => stop.abort(new Error(`stopped by ${sig}`)));

try {
  const rt = await runtime();
  await runReaderService(rt, {
    owner: `${hostname()}/${process.pid}`,
    signal: stop.signal,
    log: (line) => console.log(line),
    onLease: (l) => (lease = l),
    onStatus: (s) => (lastStatus = s),
    ...(process.env.DTS_UNTIL === 'caught-up' ? { until: 'caught-up' as const } : {}),
    ...(process.env.DTS_LEASE_MS ? { leaseMs: Number(process.env.DTS_LEASE_MS) } : {}),
  });
  process.exitCode = 0;
} catch (e) {
  if (stop.signal.aborted) process.exitCode = 0;
  else {
    console.error(isFcDtsError(e) ? `${e.message}${e.fix ? `\nfix: ${e.fix}` : ''}` : e);
    process.exitCode = 1;
  }
} finally {
  health.close();
}

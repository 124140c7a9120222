/**
 * CPU seconds spent by the processes of a benchmark run, read from /proc (Linux only).
 *
 * A catch-up run is bounded by CPU on a small machine: the applying process, the destination server
 * and the source server (its binlog dump thread) share the cores. Seconds of CPU per row change, per
 * process, say which of them a faster apply path would have to shrink, and the sum over the cores
 * available is the highest rate the machine can give any tool with that cost.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** USER_HZ: the unit of /proc's utime and stime; 100 on every Linux ABI Node runs on. */
const TICKS_PER_SECOND = 100;

/** utime + stime (fields 14 and 15) and, when `waitedChildren`, cutime + cstime (16 and 17) of a /proc/<pid>/stat line. */
function statTicks(stat: string, waitedChildren: boolean): number {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (n: number): number => Number(fields[n - 3]);
  return waitedChildren ? at(16) + at(17) : at(14) + at(15);
}

/** CPU seconds a running process has used so far; undefined once it is gone. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    return statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'), false) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process's children that have exited and been reaped (Node reaps its spawned children). */
export function reapedChildrenCpuSeconds(): number {
  return statTicks(readFileSync('/proc/self/stat', 'utf8'), true) / TICKS_PER_SECOND;
}

export interface CpuUse {
  /** The apply tool's own processes (children of the benchmark, reaped by the end of the run). */
  readonly applyProcesses: number;
  readonly destinationServer: number;
  readonly sourceServer: number;
}

/** Starts counting; the returned function gives the CPU seconds each party used since. */
export function startCpuMeter(servers: { readonly source: number; readonly destination: number }): () => CpuUse | undefined {
  const before = {
    children: reapedChildrenCpuSeconds(),
    source: processCpuSeconds(servers.source),
    destination: processCpuSeconds(servers.destination),
  };
  return () => {
    const source = processCpuSeconds(servers.source);
    const destination = processCpuSeconds(servers.destination);
    if (before.source === undefined || before.destination === undefined || source === undefined || destination === undefined) return undefined;
    return {
      applyProcesses: reapedChildrenCpuSeconds() - before.children,
      destinationServer: destination - before.destination,
      sourceServer: source - before.source,
    };
  };
}

/** Microseconds of CPU per row change, per party and in all, and the rate at which that cost fills every core. */
export function cpuPerChange(use: CpuUse, changes: number): { applyProcesses: number; destinationServer: number; sourceServer: number; total: number; cpuBoundRowsPerSecond: number } {
  const us = (s: number): number => (s * 1e6) / changes;
  const total = use.applyProcesses + use.destinationServer + use.sourceServer;
  return {
    applyProcesses: us(use.applyProcesses),
    destinationServer: us(use.destinationServer),
    sourceServer: us(use.sourceServer),
    total: us(total),
    cpuBoundRowsPerSecond: (cpus().length * changes) / total,
  };
}

/**
 * StateStore in a local directory: JSON documents replaced atomically (write, fsync, rename) and an
 * append-only, fsynced log of finished chunks, so a kill -9 at any instant leaves a readable state.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { FcDtsError } from '../errors.ts';
import type { ReaderCheckpoint } from '../change/position.ts';
import type { SerializedHistory } from '../schema-history/schema-history.ts';
import type { BucketRecords, ChunkDone, DirtyRecord, FullLoadPlan, StateStore, TaskState, VersionedRecord } from './state-store.ts';

export class FileStateStore implements StateStore, BucketRecords {
  private writes = 0;
  /** Bucket-record writes, one at a time: a compare-and-set is a read and a write (one process owns the directory). */
  private recordWrites: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async getTaskState(): Promise<TaskState | undefined> {
    return this.readJson<TaskState>('task-state.json');
  }

  async putTaskState(state: TaskState): Promise<void> {
    await this.writeJson('task-state.json', state);
  }

  async getPlan(): Promise<FullLoadPlan | undefined> {
    return this.readJson<FullLoadPlan>('full-load-plan.json');
  }

  async putPlan(plan: FullLoadPlan): Promise<void> {
    await this.writeJson('full-load-plan.json', plan);
  }

  async markChunkDone(done: ChunkDone): Promise<void> {
    this.append('chunks-done.jsonl', done);
  }

  async doneChunks(): Promise<ChunkDone[]> {
    return this.readLog<ChunkDone>('chunks-done.jsonl');
  }

  async getCheckpoint(): Promise<ReaderCheckpoint | undefined> {
    return this.readJson<ReaderCheckpoint>('reader-checkpoint.json');
  }

  async putCheckpoint(checkpoint: ReaderCheckpoint): Promise<void> {
    await this.writeJson('reader-checkpoint.json', checkpoint);
  }

  async recordDirty(record: DirtyRecord): Promise<void> {
    this.append('dirty-data.jsonl', record);
  }

  async dirtyRecords(): Promise<DirtyRecord[]> {
    return this.readLog<DirtyRecord>('dirty-data.jsonl');
  }

  async getSchemaHistory(): Promise<SerializedHistory | undefined> {
    return this.readJson<SerializedHistory>('schema-history.json');
  }

  async putSchemaHistory(history: SerializedHistory): Promise<void> {
    await this.writeJson('schema-history.json', history);
  }

  async getBucketRecord(name: string, bucket: number): Promise<VersionedRecord | undefined> {
    return this.readJson<VersionedRecord>(bucketRecordFile(name, bucket));
  }

  putBucketRecord(name: string, bucket: number, expected: number | undefined, value: string): Promise<boolean> {
    const write = this.recordWrites.then(async () => {
      const file = bucketRecordFile(name, bucket);
      if (this.readJson<VersionedRecord>(file)?.version !== expected) return false;
      await this.writeJson(file, { version: (expected ?? 0) + 1, value });
      return true;
    });
    this.recordWrites = write.catch(() => {});
    return write;
  }

  private append(name: string, entry: unknown): void {
    const fd = openSync(join(this.dir, name), 'a');
    try {
      writeSync(fd, JSON.stringify(entry) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private readLog<T>(name: string): T[] {
    const path = join(this.dir, name);
    if (!existsSync(path)) return [];
    const out: T[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // A line torn by a kill during the append was never acknowledged: as if not written.
      }
    }
    return out;
  }

  private readJson<T>(name: string): T | undefined {
    const path = join(this.dir, name);
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      throw new FcDtsError('STATE_INVALID', `state file ${path} is unreadable: ${(e as Error).message}`, `remove ${this.dir} to start the task from scratch`);
    }
  }

  /** Atomic replace without blocking the event loop (incremental sync writes its checkpoint often). */
  private async writeJson(name: string, value: unknown): Promise<void> {
    const path = join(this.dir, name);
    const tmp = `${path}.${process.pid}.${++this.writes}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(value, null, 1));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }
}

/** `bucket-<name>-<bucket>.json`; names are the destination's own identifiers (letters, digits, `-`, `_`). */
function bucketRecordFile(name: string, bucket: number): string {
  if (!/^[\w-]+$/.test(name)) throw new RangeError(`bucket record name ${JSON.stringify(name)}: letters, digits, '-' and '_' only`);
  return `bucket-${name}-${bucket}.json`;
}

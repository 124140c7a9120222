/** A function's real handler (functions/<name>/index.ts), as the local stand-ins of FC instances invoke it. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FcContext } from '../../shared/distributed/fc-events.ts';

export type FcHandler<R> = (event: unknown, context: FcContext) => Promise<R>;

export async function loadHandler<R>(name: string): Promise<FcHandler<R>> {
  const mod = (await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'functions', name, 'index.ts')).href)) as { handler: FcHandler<R> };
  return mod.handler;
}

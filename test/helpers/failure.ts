import { expect } from 'vitest';

/** The error a call fails with, asserted to be an instance of `type`; fails the test when the call succeeds. */
export async function failure<E extends Error>(call: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await call;
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error('expected the call to fail');
}

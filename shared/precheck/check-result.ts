/** One precheck item's outcome: passed / warning / failed, with a one-line reason and the fix. */

export type CheckStatus = 'passed' | 'warning' | 'failed';

export interface CheckResult {
  readonly id: string;
  readonly name: string;
  readonly side: 'source' | 'destination' | 'task';
  readonly status: CheckStatus;
  readonly reason: string;
  readonly fix?: string;
  readonly objects?: readonly string[];
}

/**
 * The optional source heartbeat (reference: "heartbeat SQL operations" on the source): a row in
 * `fc_dts`.`heartbeat` updated every second, so the binlog carries a fresh commit even while the
 * application is idle and the lag stays measurable. Off by default: it writes to the source.
 */
import type { Connection } from 'mysql2/promise';
import { connect } from '../mysql/connection.ts';
import type { Task } from '../task/task.ts';

export class Heartbeat {
  private constructor(private readonly conn: Connection, private readonly timer: NodeJS.Timeout) {}

  static async start(task: Task, log: (line: string) => void): Promise<Heartbeat> {
    const conn = await connect('source', task.source);
    await conn.query('CREATE DATABASE IF NOT EXISTS fc_dts');
    await conn.query('CREATE TABLE IF NOT EXISTS fc_dts.heartbeat (task VARCHAR(190) PRIMARY KEY, beat DATETIME(6) NOT NULL)');
    let failing = false;
    const beat = async () => {
      try {
        await conn.query('INSERT INTO fc_dts.heartbeat (task, beat) VALUES (?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE beat = VALUES(beat)', [task.name]);
        failing = false;
      } catch (e) {
        if (!failing) log(`heartbeat on the source failed: ${(e as Error).message}`);
        failing = true;
      }
    };
    await beat();
    return new Heartbeat(conn, setInterval(() => void beat(), 1000));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.conn.end().catch(() => {});
  }
}

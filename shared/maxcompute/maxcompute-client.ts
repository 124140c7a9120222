/**
 * One MaxCompute project as fc-dts uses it: signed REST calls, SQL instances, table metadata and table tunnel
 * sessions, sharing one set of credentials and one tunnel-endpoint lookup.
 */
import { OdpsRestClient, type RetryPolicy } from './odps-rest.ts';
import {
  findTable,
  getTable,
  listPartitions,
  partitionPage,
  projectInfo,
  type ListPartitionsOptions,
  type PartitionInfo,
  type PartitionPage,
  type ProjectInfo,
  type TableInfo,
} from './odps-metadata.ts';
import type { OdpsCredentials } from './odps-signature.ts';
import { OdpsSql } from './odps-sql.ts';
import { TableTunnel } from './tunnel-client.ts';
import { TunnelEndpointResolver } from './tunnel-endpoint.ts';

export interface MaxComputeClientOptions {
  /** Service endpoint with its path, e.g. `https://service.cn-hangzhou.maxcompute.aliyun.com/api`. */
  readonly endpoint: string;
  readonly project: string;
  readonly credentials: OdpsCredentials;
  /** A fixed tunnel endpoint; otherwise it is looked up once (`GET /projects/{p}/tunnel?service`). */
  readonly tunnelEndpoint?: string;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
}

export class MaxComputeClient {
  readonly project: string;
  readonly rest: OdpsRestClient;
  readonly sql: OdpsSql;
  readonly tunnel: TableTunnel;

  constructor(options: MaxComputeClientOptions) {
    this.project = options.project;
    this.rest = new OdpsRestClient(options);
    this.sql = new OdpsSql(this.rest, options.project);
    this.tunnel = new TableTunnel(this.rest, options.project, new TunnelEndpointResolver(this.rest, options.project, options.tunnelEndpoint));
  }

  /** The project's metadata; the cheapest call that proves endpoint, project and AccessKey. */
  projectInfo(): Promise<ProjectInfo> {
    return projectInfo(this.rest, this.project);
  }

  getTable(name: string): Promise<TableInfo> {
    return getTable(this.rest, this.project, name);
  }

  findTable(name: string): Promise<TableInfo | undefined> {
    return findTable(this.rest, this.project, name);
  }

  /** Every partition of the table, fetched a page at a time as the iteration goes. */
  listPartitions(table: string, options?: ListPartitionsOptions): AsyncGenerator<PartitionInfo> {
    return listPartitions(this.rest, this.project, table, options);
  }

  /** One page of the table's partitions from `marker` (undefined: the first). */
  partitionPage(table: string, marker: string | undefined, options?: ListPartitionsOptions): Promise<PartitionPage> {
    return partitionPage(this.rest, this.project, table, marker, options);
  }
}

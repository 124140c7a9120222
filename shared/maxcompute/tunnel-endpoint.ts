/**
 * Where a project's tunnel lives (PyODPS odps/tunnel/router.py): `GET /projects/{p}/tunnel?service` on the service
 * endpoint answers plain text `host[:port]`; the client adds the service endpoint's scheme
 * (py odps/tunnel/base.py _get_tunnel_server). An explicit endpoint (destination.tunnelEndpoint) skips the lookup.
 */
import type { OdpsRestClient } from './odps-rest.ts';

export class TunnelEndpointResolver {
  private cached: Promise<string> | undefined;

  constructor(
    private readonly rest: OdpsRestClient,
    private readonly project: string,
    /** A fixed tunnel endpoint such as `http://dt.cn-hangzhou.maxcompute.aliyun.com`. */
    private readonly override?: string,
  ) {}

  /** The tunnel endpoint URL without a trailing slash; looked up once, then cached (a failed lookup is not cached). */
  endpoint(): Promise<string> {
    if (this.override !== undefined) return Promise.resolve(this.override.replace(/\/+$/, ''));
    this.cached ??= this.discover().catch((e: unknown) => {
      this.cached = undefined;
      throw e;
    });
    return this.cached;
  }

  private async discover(): Promise<string> {
    const res = await this.rest.request({
      method: 'GET',
      path: `/projects/${this.project}/tunnel`,
      query: [['service', '']],
      what: `project ${this.project}, tunnel endpoint`,
    });
    const host = res.body.toString('utf8').trim();
    if (/^https?:\/\//i.test(host)) return host.replace(/\/+$/, '');
    const scheme = new URL(this.rest.endpoint).protocol;
    return `${scheme}//${host}`;
  }
}

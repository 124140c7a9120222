/**
 * The XML documents of the REST API: rendering (Project, Table, Instance, Error) and reading the one request
 * body the stand-in needs, the instance submission (`<Instance><Job>…<SQL><Name/><Config/><Query/></SQL>…`).
 * Shapes from py odps/models (project.py, table.py, instance.py, job.py, tasks/sql.py); notes §2.3–2.4.
 */
import { McError, restErrors } from './errors.ts';

export type XmlNode = string | { readonly name: string; readonly attrs?: Readonly<Record<string, string>>; readonly children?: readonly XmlNode[]; readonly cdata?: string };

export function el(name: string, ...children: XmlNode[]): XmlNode {
  return { name, children };
}

export function elAttrs(name: string, attrs: Readonly<Record<string, string>>, ...children: XmlNode[]): XmlNode {
  return { name, attrs, children };
}

export function cdata(name: string, text: string, attrs?: Readonly<Record<string, string>>): XmlNode {
  return attrs ? { name, attrs, cdata: text } : { name, cdata: text };
}

export function renderXml(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root)}`;
}

function render(node: XmlNode): string {
  if (typeof node === 'string') return escapeXml(node);
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  const inner = node.cdata !== undefined ? `<![CDATA[${node.cdata.replaceAll(']]>', ']]]]><![CDATA[>')}]]>` : (node.children ?? []).map(render).join('');
  return `<${node.name}${attrs}>${inner}</${node.name}>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e]!;
  });
}

/** The text content of the first `<name>` element in `xml` (CDATA sections and entities decoded). */
function elementText(xml: string, name: string): string | undefined {
  const open = new RegExp(`<${name}(\\s[^>]*)?>`).exec(xml);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const end = xml.indexOf(`</${name}>`, start);
  if (end < 0) return undefined;
  return xmlText(xml.slice(start, end));
}

function xmlText(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw.indexOf('<![CDATA[', i);
    if (c < 0) {
      out += unescapeXml(raw.slice(i));
      break;
    }
    out += unescapeXml(raw.slice(i, c));
    const end = raw.indexOf(']]>', c + 9);
    if (end < 0) throw restErrors.invalidArgument('unterminated CDATA section in the request body');
    out += raw.slice(c + 9, end);
    i = end + 3;
  }
  return out;
}

export interface SubmittedSql {
  /** The submitted `<Job>…</Job>` element, answered again by `?source`. */
  readonly job: string;
  readonly taskName: string;
  readonly query: string;
  readonly settings: Record<string, string>;
}

/** The SQL task of an instance submission body. */
export function parseInstanceSubmission(xml: string): SubmittedSql {
  const sqlStart = xml.indexOf('<SQL>');
  const sqlEnd = xml.indexOf('</SQL>');
  if (!xml.includes('<Instance>') || sqlStart < 0 || sqlEnd < 0) {
    throw new McError('InvalidArgument', 'ODPS-0420061:Invalid parameter in HTTP request - the local MaxCompute stand-in runs SQL tasks only: <Instance><Job><Tasks><SQL>…', 400);
  }
  const task = xml.slice(sqlStart, sqlEnd);
  const query = elementText(task, 'Query');
  if (query === undefined || query.trim() === '') throw restErrors.invalidArgument('the SQL task has no Query');
  const settings: Record<string, string> = {};
  for (const property of task.split('<Property>').slice(1)) {
    const name = elementText(property, 'Name');
    const value = elementText(property, 'Value');
    if (name === 'settings' && value) {
      try {
        for (const [k, v] of Object.entries(JSON.parse(value) as Record<string, unknown>)) settings[k.toLowerCase()] = String(v);
      } catch {
        throw restErrors.invalidArgument('the settings property is not a JSON object');
      }
    }
  }
  const jobStart = xml.indexOf('<Job>');
  const jobEnd = xml.lastIndexOf('</Job>');
  const job = jobStart >= 0 && jobEnd > jobStart ? xml.slice(jobStart, jobEnd + 6) : '<Job/>';
  return { job, taskName: elementText(task, 'Name') ?? 'AnonymousSQLTask', query, settings };
}

/** RFC 1123, as the service prints times in XML. */
export function rfc1123(ms: number): string {
  return new Date(ms).toUTCString();
}

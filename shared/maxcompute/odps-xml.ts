/**
 * The little XML the MaxCompute REST API speaks: a parser for its response shapes (Project, Table, Instance,
 * Error) and helpers to build request bodies. The responses are small and regular — elements, attributes, text
 * and CDATA (`<Schema><![CDATA[{json}]]></Schema>`, `<Result><![CDATA[csv]]></Result>`), no namespaces, no DTDs —
 * so a ~100-line parser serves instead of a dependency (fast-xml-parser is not installed; xml2js is only present
 * as a transitive dependency of @alicloud/mns and has a callback API).
 */

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The concatenated text and CDATA directly inside the element. */
  readonly text: string;
}

export class XmlParseError extends Error {}

/** Parses a document and returns its root element. */
export function parseXml(xml: string): XmlElement {
  const p = new XmlParser(xml);
  p.skipProlog();
  const root = p.element();
  p.skipMisc();
  if (!p.atEnd()) throw new XmlParseError(`content after the root element at ${p.pos}`);
  return root;
}

/** The first child element with this name (case-sensitive), if any. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** The text of the element at a path of child names, e.g. `childText(root, 'Tasks', 'Task', 'Status')`. */
export function childText(el: XmlElement | undefined, ...path: string[]): string | undefined {
  let at = el;
  for (const name of path) at = child(at, name);
  return at?.text;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ENTITY_OF[c]!);
}

/** A CDATA section holding any text (a `]]>` inside is split across two sections). */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

const ENTITY_OF: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return NAMED[ref] ?? whole;
  });
}

class XmlParser {
  pos = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.pos >= this.s.length;
  }

  /** Skips a BOM, the XML declaration, comments, processing instructions, a DOCTYPE and whitespace. */
  skipProlog(): void {
    if (this.s.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.skipMisc();
  }

  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.s.startsWith('<?', this.pos)) this.skipPast('?>');
      else if (this.s.startsWith('<!--', this.pos)) this.skipPast('-->');
      else if (this.s.startsWith('<!DOCTYPE', this.pos)) this.skipPast('>');
      else return;
    }
  }

  element(): XmlElement {
    if (this.s[this.pos] !== '<') throw new XmlParseError(`'<' expected at ${this.pos}`);
    this.pos++;
    const name = this.name();
    const attributes = this.attributes();
    if (this.s.startsWith('/>', this.pos)) {
      this.pos += 2;
      return { name, attributes, children: [], text: '' };
    }
    this.expect('>');
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (this.atEnd()) throw new XmlParseError(`<${name}> is not closed`);
      if (this.s.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== name) throw new XmlParseError(`</${closing}> closes <${name}> at ${this.pos}`);
        this.skipSpace();
        this.expect('>');
        return { name, attributes, children, text };
      }
      if (this.s.startsWith('<![CDATA[', this.pos)) {
        const end = this.indexOrFail(']]>', this.pos + 9);
        text += this.s.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.s.startsWith('<!--', this.pos) || this.s.startsWith('<?', this.pos)) {
        this.skipPast(this.s.startsWith('<!--', this.pos) ? '-->' : '?>');
      } else if (this.s[this.pos] === '<') {
        children.push(this.element());
      } else {
        const next = this.s.indexOf('<', this.pos);
        const end = next < 0 ? this.s.length : next;
        text += decodeEntities(this.s.slice(this.pos, end));
        this.pos = end;
      }
    }
  }

  private attributes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (;;) {
      this.skipSpace();
      const c = this.s[this.pos];
      if (c === '>' || c === '/' || c === undefined) return out;
      const name = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const quote = this.s[this.pos];
      if (quote !== '"' && quote !== "'") throw new XmlParseError(`quoted value expected for ${name} at ${this.pos}`);
      const end = this.indexOrFail(quote, this.pos + 1);
      out[name] = decodeEntities(this.s.slice(this.pos + 1, end));
      this.pos = end + 1;
    }
  }

  private name(): string {
    const m = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(this.s.slice(this.pos, this.pos + 256));
    if (m === null) throw new XmlParseError(`a name expected at ${this.pos}`);
    this.pos += m[0].length;
    return m[0];
  }

  private expect(ch: string): void {
    if (this.s[this.pos] !== ch) throw new XmlParseError(`'${ch}' expected at ${this.pos}`);
    this.pos++;
  }

  private skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  private skipPast(marker: string): void {
    this.pos = this.indexOrFail(marker, this.pos) + marker.length;
  }

  private indexOrFail(marker: string, from: number): number {
    const at = this.s.indexOf(marker, from);
    if (at < 0) throw new XmlParseError(`'${marker}' expected after ${from}`);
    return at;
  }
}

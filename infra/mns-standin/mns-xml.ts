/**
 * The XML MNS speaks: documents of one root element in the namespace http://mns.aliyuncs.com/doc/v1/
 * whose children hold text or further simple elements. The parser is a small, strict XML 1.0 reader
 * for that shape (elements, attributes, text, the predefined and numeric character references,
 * CDATA, comments and processing instructions; no DTDs): input a real XML parser would refuse is
 * refused as MalformedXML, as the service does. That matters because the npm client does not escape
 * what it sends (lib/helper.js `format`), so a MessageBody containing `<` or `&` fails in the cloud.
 */
import { MnsError } from './mns-error.ts';

export const MNS_NAMESPACE = 'http://mns.aliyuncs.com/doc/v1/';

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** The element's own character data (the text between its child elements, concatenated). */
  readonly text: string;
}

/** The first child named `name`. */
export function childNamed(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

const malformed = (): MnsError => new MnsError('MalformedXML', 'The XML you provided was not well-formed.');

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const SPACE = /[ \t\n]*/y;
// Characters XML 1.0 forbids anywhere in a document (after line-end normalization there is no \r).
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(input: string): XmlElement {
  // XML 1.0 §2.11: every \r\n and lone \r reaches the application as \n.
  const source = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (FORBIDDEN_CHAR.test(source)) throw malformed();
  const reader = new Reader(source);
  reader.skipMisc();
  if (!reader.startsWith('<') || reader.startsWith('<!')) throw malformed();
  const root = reader.element();
  reader.skipMisc();
  if (!reader.atEnd()) throw malformed();
  return root;
}

class Reader {
  private at = 0;

  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.at >= this.s.length;
  }

  startsWith(token: string): boolean {
    return this.s.startsWith(token, this.at);
  }

  /** Whitespace, comments and processing instructions (the XML declaration among them). */
  skipMisc(): void {
    for (;;) {
      this.space();
      if (this.startsWith('<?')) this.skipPast('?>');
      else if (this.startsWith('<!--')) this.skipPast('-->');
      else return;
    }
  }

  element(): XmlElement {
    this.expect('<');
    const name = this.name();
    const attributes = new Map<string, string>();
    for (;;) {
      const hadSpace = this.space();
      if (this.startsWith('/>')) {
        this.at += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (this.startsWith('>')) {
        this.at += 1;
        break;
      }
      if (!hadSpace) throw malformed();
      const attribute = this.name();
      this.space();
      this.expect('=');
      this.space();
      const quote = this.s[this.at];
      if (quote !== '"' && quote !== "'") throw malformed();
      const end = this.s.indexOf(quote, this.at + 1);
      if (end < 0) throw malformed();
      const raw = this.s.slice(this.at + 1, end);
      if (raw.includes('<') || attributes.has(attribute)) throw malformed();
      attributes.set(attribute, decodeReferences(raw));
      this.at = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = this.s.indexOf('<', this.at);
      if (lt < 0) throw malformed();
      const chars = this.s.slice(this.at, lt);
      if (chars.includes(']]>')) throw malformed();
      text += decodeReferences(chars);
      this.at = lt;
      if (this.startsWith('</')) {
        this.at += 2;
        if (this.name() !== name) throw malformed();
        this.space();
        this.expect('>');
        return { name, attributes, children, text };
      }
      if (this.startsWith('<![CDATA[')) {
        const end = this.s.indexOf(']]>', this.at);
        if (end < 0) throw malformed();
        text += this.s.slice(this.at + 9, end);
        this.at = end + 3;
      } else if (this.startsWith('<!--')) {
        this.skipPast('-->');
      } else if (this.startsWith('<?')) {
        this.skipPast('?>');
      } else if (this.startsWith('<!')) {
        throw malformed();
      } else {
        children.push(this.element());
      }
    }
  }

  private name(): string {
    NAME.lastIndex = this.at;
    const m = NAME.exec(this.s);
    if (!m) throw malformed();
    this.at += m[0].length;
    return m[0];
  }

  private space(): boolean {
    SPACE.lastIndex = this.at;
    const m = SPACE.exec(this.s);
    const n = m ? m[0].length : 0;
    this.at += n;
    return n > 0;
  }

  private expect(token: string): void {
    if (!this.startsWith(token)) throw malformed();
    this.at += token.length;
  }

  private skipPast(token: string): void {
    const end = this.s.indexOf(token, this.at + 2);
    if (end < 0) throw malformed();
    this.at = end + token.length;
  }
}

function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw malformed();
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (!m) throw malformed();
    const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    const allowed =
      code === 0x9 || code === 0xa || code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) throw malformed();
    return String.fromCodePoint(code);
  });
}

/** Content of an element to write: text (numbers and booleans as MNS spells them) or child elements. */
export type XmlContent = string | number | boolean | readonly XmlNode[];

export interface XmlNode {
  readonly name: string;
  readonly content: XmlContent;
}

export function node(name: string, content: XmlContent): XmlNode {
  return { name, content };
}

/** A complete response document: `<root xmlns="MNS namespace">children</root>`. */
export function renderDocument(root: string, children: readonly XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${MNS_NAMESPACE}">${renderNodes(children)}</${root}>`;
}

function renderNodes(nodes: readonly XmlNode[]): string {
  let out = '';
  for (const n of nodes) out += `<${n.name}>${renderContent(n.content)}</${n.name}>`;
  return out;
}

function renderContent(content: XmlContent): string {
  if (typeof content === 'string') return escapeText(content);
  if (typeof content === 'boolean') return content ? 'True' : 'False';
  if (typeof content === 'number') return String(content);
  return renderNodes(content);
}

/** Text as character data; \r as a reference so that line-end normalization keeps it. */
function escapeText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

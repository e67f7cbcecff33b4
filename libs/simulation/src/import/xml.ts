/**
 * A small, strict XML reader for the subset SUMO's network and route files use: a prolog,
 * comments, elements with quoted attributes, self-closing tags and whitespace between them.
 * Anything else (text content, CDATA, DOCTYPE, processing instructions past the prolog,
 * unknown entities, mismatched tags) is refused with the line it is on. No I/O.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** 1-based line of the start tag. */
  line: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;

export function parseXml(text: string): XmlElement {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new Error(`XML line ${line}: ${what}`);
  };
  const advanceTo = (j: number) => {
    for (let k = i; k < j; k++) if (text.charCodeAt(k) === 10) line++;
    i = j;
  };
  const decode = (raw: string): string =>
    raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, e: string | undefined) => {
      if (!e) return fail('a bare "&" (write &amp;)');
      if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
      if (!(e in ENTITIES)) fail(`unknown entity &${e};`);
      return ENTITIES[e];
    });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const gap = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (gap.trim() !== '') fail(`text content "${gap.trim().slice(0, 30)}" is not part of the supported XML`);
    if (lt < 0) { advanceTo(text.length); break; }
    advanceTo(lt);
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      advanceTo(end + 3);
      continue;
    }
    if (text.startsWith('<?', i)) {
      if (root || stack.length) fail('a processing instruction inside the document');
      const end = text.indexOf('?>', i);
      if (end < 0) fail('unterminated prolog');
      advanceTo(end + 2);
      continue;
    }
    if (text.startsWith('<!', i)) fail('DOCTYPE and CDATA sections are not supported');
    if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(text);
      if (!m) fail('malformed end tag');
      const open = stack.pop();
      if (!open || open.name !== m![0]) fail(`end tag </${m![0]}> does not close <${open?.name ?? '(nothing)'}>`);
      let j = i + 2 + m![0].length;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] !== '>') fail(`malformed end tag </${m![0]}>`);
      advanceTo(j + 1);
      continue;
    }
    NAME.lastIndex = i + 1;
    const m = NAME.exec(text);
    if (!m) fail('malformed start tag');
    const element: XmlElement = { name: m![0], attrs: {}, children: [], line };
    let j = i + 1 + m![0].length;
    let selfClosing = false;
    for (;;) {
      const ws = j;
      while (/\s/.test(text[j] ?? '')) j++;
      if (j >= text.length) fail(`unterminated tag <${element.name}>`);
      if (text[j] === '>') { j++; break; }
      if (text.startsWith('/>', j)) { j += 2; selfClosing = true; break; }
      if (j === ws) fail(`attributes of <${element.name}> must be separated by white space`);
      NAME.lastIndex = j;
      const a = NAME.exec(text);
      if (!a) fail(`malformed attribute in <${element.name}>`);
      j += a![0].length;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] !== '=') fail(`attribute ${a![0]} of <${element.name}> has no value`);
      j++;
      while (/\s/.test(text[j] ?? '')) j++;
      const quote = text[j];
      if (quote !== '"' && quote !== "'") fail(`attribute ${a![0]} of <${element.name}> is not quoted`);
      const close = text.indexOf(quote, j + 1);
      if (close < 0) fail(`unterminated attribute ${a![0]} of <${element.name}>`);
      const raw = text.slice(j + 1, close);
      if (raw.includes('<')) fail(`"<" in attribute ${a![0]} of <${element.name}>`);
      if (a![0] in element.attrs) fail(`attribute ${a![0]} twice in <${element.name}>`);
      element.attrs[a![0]] = decode(raw);
      j = close + 1;
    }
    if (stack.length) stack[stack.length - 1].children.push(element);
    else if (root) fail(`a second root element <${element.name}>`);
    else root = element;
    if (!selfClosing) stack.push(element);
    advanceTo(j);
  }
  if (stack.length) throw new Error(`XML: <${stack[stack.length - 1].name}> (line ${stack[stack.length - 1].line}) is never closed`);
  if (!root) throw new Error('XML: no root element');
  return root;
}

import { coordinateCorridor } from './coordination';
import { escapeXmlAttribute, SumoExportOptions, toSumoAdditional, toSumoPhases, toSumoTlLogic } from './sumo-export';
import { PhaseDemand, websterPlan } from './webster';

const demand: PhaseDemand[] = [
  { name: 'north-south', approaches: [{ id: 'N', flowVehPerHour: 630, saturationFlowVehPerHour: 1800 }] },
  { name: 'east-west', approaches: [{ id: 'E', flowVehPerHour: 450, saturationFlowVehPerHour: 1800 }] },
];
// A four-arm junction with two connections per arm, in SUMO's link-index order N, E, S, W.
const mapping: SumoExportOptions = {
  tlsId: 'J1',
  programId: 'crosscast-1',
  signalIndicesByPhase: { 'north-south': [0, 1, 4, 5], 'east-west': [2, 3, 6, 7] },
};

interface ParsedElement {
  name: string;
  attributes: Record<string, string>;
}

/**
 * A tiny DOM-free XML check: every tag is balanced, attribute values hold no raw '<' or
 * bare '&', and the elements come back with their attributes (entities decoded).
 */
function parseXml(xml: string): ParsedElement[] {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const elements: ParsedElement[] = [];
  const open: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let match = tag.exec(body); match; match = tag.exec(body)) {
    if (body.slice(last, match.index).trim() !== '') throw new Error(`text outside tags: ${body.slice(last, match.index)}`);
    last = tag.lastIndex;
    const [, closing, name, attributeText, selfClosing] = match;
    if (closing) {
      if (open.pop() !== name) throw new Error(`unbalanced </${name}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, raw] of attributeText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(raw)) throw new Error(`bare & in ${key}="${raw}"`);
      attributes[key] = raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    }
    elements.push({ name, attributes });
    if (!selfClosing) open.push(name);
  }
  if (body.slice(last).trim() !== '') throw new Error('text after the last tag');
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return elements;
}

describe('the XML check used below', () => {
  it('catches unbalanced tags and bare ampersands', () => {
    expect(() => parseXml('<additional><tlLogic id="a"></additional>')).toThrow(/unbalanced/);
    expect(() => parseXml('<additional><tlLogic id="a & b"/></additional>')).toThrow(/bare &/);
    expect(() => parseXml('<additional>')).toThrow(/unclosed/);
  });
});

describe('toSumoTlLogic', () => {
  const plan = websterPlan(demand); // 43 s: 20 s + 3 + 1, 15 s + 3 + 1

  it('writes a well-formed additional file with a static program whose phases add up to the cycle', () => {
    const xml = toSumoTlLogic(plan, mapping);
    const elements = parseXml(xml);
    expect(elements[0]).toEqual({ name: 'additional', attributes: {} });
    expect(elements[1]).toEqual({ name: 'tlLogic', attributes: { id: 'J1', type: 'static', programID: 'crosscast-1', offset: '0' } });
    const phases = elements.filter((e) => e.name === 'phase').map((e) => e.attributes);
    expect(phases.map((p) => [p.duration, p.state])).toEqual([
      ['20', 'GGrrGGrr'],
      ['3', 'yyrryyrr'],
      ['1', 'rrrrrrrr'],
      ['15', 'rrGGrrGG'],
      ['3', 'rryyrryy'],
      ['1', 'rrrrrrrr'],
    ]);
    expect(phases.reduce((s, p) => s + Number(p.duration), 0)).toBe(plan.cycleSeconds);
  });

  it('writes the plan offset (a coordinated corridor) and one program per crossing', () => {
    const corridor = coordinateCorridor(
      ['A', 'B'].map((id) => ({ id, demand, coordinatedPhase: 'north-south' })),
      [{ distanceMetres: 300, speedKmh: 60 }],
    );
    const xml = toSumoAdditional(corridor.crossings.map((c) => ({ plan: c.plan, options: { ...mapping, tlsId: c.id } })));
    const logics = parseXml(xml).filter((e) => e.name === 'tlLogic');
    expect(logics.map((l) => l.attributes.id)).toEqual(['A', 'B']);
    // 300 m at 60 km/h = 18 s.
    expect(logics.map((l) => Number(l.attributes.offset))).toEqual([0, 18]);
  });

  it('escapes attribute values', () => {
    const xml = toSumoTlLogic(plan, { ...mapping, tlsId: 'J<1> & "2"', programId: "it's" });
    const logic = parseXml(xml).find((e) => e.name === 'tlLogic')!;
    expect(logic.attributes.id).toBe('J<1> & "2"');
    expect(logic.attributes.programID).toBe("it's");
    expect(xml).toContain('id="J&lt;1&gt; &amp; &quot;2&quot;"');
    expect(escapeXmlAttribute(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('marks permissive movements with g and keeps an overlapping movement green through the change', () => {
    // Index 8: a left-turn arrow that runs in both phases; index 1 yields during north-south.
    const phases = toSumoPhases(plan, {
      ...mapping,
      signalIndicesByPhase: { 'north-south': [0, 1, 4, 5, 8], 'east-west': [2, 3, 6, 7, 8] },
      permissiveIndicesByPhase: { 'north-south': [1] },
    });
    expect(phases.map((p) => p.state)).toEqual(['GgrrGGrrG', 'yyrryyrrG', 'rrrrrrrrG', 'rrGGrrGGG', 'rryyrryyG', 'rrrrrrrrG']);
  });

  it('uses the phase clearances of the plan and leaves out zero-length steps', () => {
    const noAllRed = websterPlan(demand, { allRedSeconds: 0, amberSeconds: 4 });
    const phases = toSumoPhases(noAllRed, mapping);
    expect(phases.map((p) => p.name)).toEqual(['north-south', 'north-south amber', 'east-west', 'east-west amber']);
    expect(phases.reduce((s, p) => s + p.duration, 0)).toBe(noAllRed.cycleSeconds);
  });

  it('refuses a plan whose times do not make up its cycle, and a mapping that misses a phase', () => {
    expect(() => toSumoTlLogic({ cycleSeconds: 60, phases: [{ name: 'north-south', greenSeconds: 20 }, { name: 'east-west', greenSeconds: 20 }] }, mapping)).toThrow(/add up to 48 s, not the 60 s cycle/);
    expect(() => toSumoTlLogic(plan, { ...mapping, signalIndicesByPhase: { 'north-south': [0, 1] } })).toThrow(/no signal indices given for phase east-west/);
    expect(() => toSumoTlLogic(plan, { ...mapping, signalCount: 4 })).toThrow(/signal index 4 outside 0..3/);
  });
});

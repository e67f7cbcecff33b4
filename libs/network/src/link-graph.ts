/**
 * A network given link by link (an imported SUMO or CityFlow network, the engine's own):
 * which nodes are neighbours, and which links make one road. A crossings file has no link
 * table, so `inferNeighbourGraph` infers its graph from road names and bearings; an
 * imported network has one, and these functions read it. Writing the roads found here
 * into a crossings file's approaches makes `inferNeighbourGraph` find the same links and
 * corridors that the network has (see the importers' city folder).
 */

export interface DirectedLink {
  id: string;
  from: string;
  to: string;
}

/** Per node, the other nodes it shares a link with (in either direction), in link order. */
export function nodeNeighbours(links: readonly DirectedLink[]): Map<string, Set<string>> {
  const neighbours = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    const set = neighbours.get(a);
    if (set) set.add(b);
    else neighbours.set(a, new Set([b]));
  };
  for (const l of links) {
    add(l.from, l.to);
    add(l.to, l.from);
  }
  return neighbours;
}

/**
 * The roads of a link graph: a link, the link that continues it straight on at its end
 * node (`continuesInto`: pairs from-link → to-link, a through movement) and the link that
 * runs the same two nodes the other way belong to one road. Each road is named by its
 * smallest link id (`road <id>`), so the names do not depend on the input order.
 * Returns link id → road name for every link.
 */
export function roadsOfLinks(links: readonly DirectedLink[], continuesInto: Iterable<readonly [string, string]>): Map<string, string> {
  const parent = new Map(links.map((l) => [l.id, l.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let x = id; x !== root; ) {
      const next = parent.get(x)!;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  const join = (a: string, b: string) => {
    if (!parent.has(a) || !parent.has(b)) return;
    const [ra, rb] = [find(a), find(b)];
    // the smaller id becomes the root, so a road's root is its smallest link id
    if (ra < rb) parent.set(rb, ra);
    else if (rb < ra) parent.set(ra, rb);
  };
  const byEnds = new Map<string, string[]>();
  for (const l of links) {
    const key = `${l.from}\u0000${l.to}`;
    const list = byEnds.get(key);
    if (list) list.push(l.id);
    else byEnds.set(key, [l.id]);
  }
  for (const l of links) for (const other of byEnds.get(`${l.to}\u0000${l.from}`) ?? []) join(l.id, other);
  for (const [a, b] of continuesInto) join(a, b);
  return new Map(links.map((l) => [l.id, `road ${find(l.id)}`]));
}

/**
 * The thinking paths of an answer as one graph: nodes merged by IRI, edges merged when they are the
 * same KG fact (same source node, predicate and target node), each remembering which paths use it.
 *
 * A path lists its nodes in the order the agent walked them (question side first) and says for each
 * edge whether the stored fact runs along that walk (`forward`) or against it. The graph draws facts
 * in their true direction; the walk order is kept separately (`steps`) because the layout reads it.
 */

/**
 * @typedef {object} GraphNode
 * @property {string} id - The node's IRI.
 * @property {string} label - Its name.
 * @property {string} type - Its KG type (`drug`, `disease`, …).
 * @property {number[]} paths - The paths it is on, numbered from 1.
 *
 * @typedef {object} GraphEdge
 * @property {string} id - `source|predicate|target`.
 * @property {string} source - IRI the fact runs from.
 * @property {string} target - IRI the fact runs to.
 * @property {string} label - Its `display_relation`.
 * @property {string} relation - Its relation name.
 * @property {string} predicate - Its predicate IRI.
 * @property {string} origin - The database it came from (`primekg`, `hetionet`, `hpo`).
 * @property {number[]} paths - The paths it is on, numbered from 1.
 *
 * @typedef {object} PathGraph
 * @property {GraphNode[]} nodes - In order of first appearance.
 * @property {GraphEdge[]} edges - In order of first appearance.
 * @property {Array<[string, string]>} steps - Walk-order pairs (from, to), for the layout.
 * @property {string[]} pathTexts - Each path as `A —relation→ B ←relation— C`, numbered from 1 by index+1.
 */

/**
 * Merge an answer's paths into one graph.
 * @param {Array<{nodes: Array<{iri: string, name: string, type: string}>, edges: Array<object>}>} paths
 * @returns {PathGraph}
 */
export function buildPathGraph(paths) {
  const nodes = new Map();
  const edges = new Map();
  const steps = new Map();
  const pathTexts = [];
  (paths ?? []).forEach((path, index) => {
    const number = index + 1;
    const pathNodes = path.nodes ?? [];
    const pathEdges = path.edges ?? [];
    for (const node of pathNodes) {
      const entry = nodes.get(node.iri) ?? {
        id: node.iri,
        label: node.name || node.iri,
        type: node.type || "",
        paths: [],
      };
      addOnce(entry.paths, number);
      nodes.set(node.iri, entry);
    }
    pathEdges.forEach((edge, position) => {
      const here = pathNodes[position];
      const next = pathNodes[position + 1];
      if (!here || !next) return; // a malformed path: edges must join consecutive nodes
      const [source, target] = edge.forward ? [here.iri, next.iri] : [next.iri, here.iri];
      const predicate = edge.predicate || edge.relation || "";
      const id = `${source}|${predicate}|${target}`;
      const entry = edges.get(id) ?? {
        id,
        source,
        target,
        label: edge.display_relation || edge.relation || "related to",
        relation: edge.relation || "",
        predicate,
        origin: edge.source || "",
        paths: [],
      };
      addOnce(entry.paths, number);
      edges.set(id, entry);
      steps.set(`${here.iri}\n${next.iri}`, [here.iri, next.iri]);
    });
    pathTexts.push(pathText(path));
  });
  return { nodes: [...nodes.values()], edges: [...edges.values()], steps: [...steps.values()], pathTexts };
}

/**
 * A path as text, the way the agent writes it: `Hypertension ←side effect— Dipyridamole —indication→ …`.
 * @param {{nodes: Array<{name: string}>, edges: Array<{display_relation?: string, relation?: string, forward: boolean}>}} path
 * @returns {string}
 */
export function pathText(path) {
  const names = (path.nodes ?? []).map((node) => node.name || node.iri);
  const parts = [names[0] ?? ""];
  (path.edges ?? []).forEach((edge, position) => {
    const label = edge.display_relation || edge.relation || "related to";
    parts.push(edge.forward ? `—${label}→` : `←${label}—`, names[position + 1] ?? "?");
  });
  return parts.join(" ");
}

function addOnce(list, value) {
  if (!list.includes(value)) list.push(value);
}

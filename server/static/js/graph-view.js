/**
 * The thinking-path graph drawn as SVG, with its legend and a details panel for the selected node.
 *
 * Plain SVG rather than a graph library: the graphs are small (a few paths of at most a handful of
 * hops), a layered left-to-right layout reads like the paths themselves, and real SVG elements can be
 * focused with the keyboard, read by screen readers and inspected by tests (`data-testid`, `data-id`).
 */

import { h, replaceChildren, svg } from "./dom.js";
import { buildPathGraph } from "./graph-model.js";
import { NODE_HEIGHT, NODE_WIDTH, layoutPathGraph } from "./graph-layout.js";
import { typeStyle } from "./node-types.js";

const LABEL_CHARS = 19;
const PARALLEL_SPREAD = 44;
const PARALLEL_PORT_GAP = 10;
const SKIP_BULGE = 70;
const ARROW = 9;
const GROWTH = 1.5;

export class PathGraphView {
  /**
   * @param {object} elements
   * @param {HTMLElement} elements.canvas - Receives the SVG.
   * @param {HTMLElement} elements.legend - Receives the colour legend.
   * @param {HTMLElement} elements.details - Shows the selected node.
   * @param {(iri: string) => Promise<{xrefs: string[]}>} [elements.describe] - Fetches a node's stored
   *   facts, for the ids merged into it; without it the panel shows what the paths carry.
   */
  constructor({ canvas, legend, details, describe }) {
    this.canvas = canvas;
    this.legend = legend;
    this.details = details;
    this.describe = describe;
    this.graph = buildPathGraph([]);
    this.selected = null;
    this.clear();
  }

  /** Remove the graph; the details panel says there is nothing to show. */
  clear() {
    this.graph = buildPathGraph([]);
    this.selected = null;
    replaceChildren(this.canvas);
    replaceChildren(this.legend);
    this.showDetails();
  }

  /**
   * Draw the union of an answer's paths.
   * @param {Array<object>} paths - `answer.paths`.
   * @returns {import("./graph-model.js").PathGraph}
   */
  show(paths) {
    this.clear();
    this.graph = buildPathGraph(paths);
    if (this.graph.nodes.length === 0) {
      replaceChildren(
        this.canvas,
        h(
          "p",
          { class: "empty", "data-testid": "graph-empty" },
          "No knowledge-graph path supports this answer.",
        ),
      );
      return this.graph;
    }
    const layout = layoutPathGraph(this.graph);
    const root = svg(
      "svg",
      {
        viewBox: `0 0 ${layout.width} ${layout.height}`,
        width: "100%",
        // A small graph grows to half again its drawn size to use the canvas; a large one scrolls.
        style: `min-width: ${Math.round(layout.width * 0.7)}px; max-width: ${Math.round(layout.width * GROWTH)}px`,
        role: "group",
        "aria-label":
          `Thinking paths: ${this.graph.nodes.length} nodes and ${this.graph.edges.length} relations. ` +
          "Select a node for its details.",
        "data-testid": "path-graph",
        onclick: (event) => {
          if (event.target === root) this.select(null);
        },
      },
      svg("defs", {}, marker("arrow"), marker("arrow-active")),
      svg(
        "g",
        { class: "edges" },
        this.graph.edges.map((edge) => this.drawEdge(edge, layout)),
      ),
      svg(
        "g",
        { class: "nodes" },
        this.graph.nodes.map((node) => this.drawNode(node, layout.positions.get(node.id))),
      ),
    );
    replaceChildren(this.canvas, root);
    this.drawLegend();
    this.showDetails();
    return this.graph;
  }

  /**
   * Select a node (or none) and show its details.
   * @param {string|null} id - A node IRI, null to clear.
   */
  select(id) {
    this.selected = id && this.graph.nodes.some((node) => node.id === id) ? id : null;
    const node = this.graph.nodes.find((candidate) => candidate.id === this.selected);
    const onPaths = new Set(node?.paths ?? []);
    for (const element of this.canvas.querySelectorAll("[data-testid=graph-node]")) {
      const mine = element.dataset.id === this.selected;
      element.classList.toggle("selected", mine);
      element.setAttribute("aria-pressed", String(mine));
      element.classList.toggle("faded", node !== undefined && !sharesPath(element.dataset.paths, onPaths));
    }
    for (const element of this.canvas.querySelectorAll("[data-testid=graph-edge]")) {
      const touches =
        node !== undefined && (element.dataset.source === node.id || element.dataset.target === node.id);
      element.classList.toggle("active", touches);
      element.querySelector("path").setAttribute("marker-end", `url(#${touches ? "arrow-active" : "arrow"})`);
      element.classList.toggle("faded", node !== undefined && !sharesPath(element.dataset.paths, onPaths));
    }
    this.showDetails(node);
  }

  drawNode(node, position) {
    const style = typeStyle(node.type);
    const lines = wrap(node.label, LABEL_CHARS);
    const lineHeight = 15;
    const firstBaseline = position.y - ((lines.length - 1) * lineHeight) / 2 + 5;
    const activate = () => this.select(this.selected === node.id ? null : node.id);
    return svg(
      "g",
      {
        class: "node",
        tabindex: 0,
        role: "button",
        "aria-pressed": "false",
        "aria-label": `${node.label}, ${style.label}, on path ${node.paths.join(", ")}`,
        "data-testid": "graph-node",
        "data-id": node.id,
        "data-label": node.label,
        "data-type": node.type,
        "data-paths": node.paths.join(" "),
        onclick: activate,
        onkeydown: (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            activate();
          } else if (event.key === "Escape") {
            this.select(null);
          }
        },
      },
      svg("title", {}, `${node.label} (${style.label})\n${node.id}`),
      svg("rect", {
        x: position.x - NODE_WIDTH / 2,
        y: position.y - NODE_HEIGHT / 2,
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        rx: 9,
        fill: style.light,
        stroke: style.strong,
      }),
      svg(
        "text",
        { x: position.x, y: firstBaseline, "text-anchor": "middle", "aria-hidden": "true" },
        lines.map((line, index) => svg("tspan", { x: position.x, dy: index === 0 ? 0 : lineHeight }, line)),
      ),
    );
  }

  drawEdge(edge, layout) {
    const from = layout.positions.get(edge.source);
    const to = layout.positions.get(edge.target);
    const { d, labelAt } = edgeGeometry(edge, from, to, this.graph.edges);
    const sourceName = this.graph.nodes.find((node) => node.id === edge.source)?.label ?? edge.source;
    const targetName = this.graph.nodes.find((node) => node.id === edge.target)?.label ?? edge.target;
    return svg(
      "g",
      {
        class: "edge",
        "data-testid": "graph-edge",
        "data-id": edge.id,
        "data-source": edge.source,
        "data-target": edge.target,
        "data-relation": edge.relation,
        "data-label": edge.label,
        "data-paths": edge.paths.join(" "),
      },
      svg(
        "title",
        {},
        `${sourceName} —${edge.label}→ ${targetName} (${edge.relation}, from ${edge.origin || "unknown source"})`,
      ),
      svg("path", { d, "marker-end": "url(#arrow)" }),
      svg(
        "text",
        { x: labelAt.x, y: labelAt.y - 4, "text-anchor": "middle", class: "edge-label" },
        edge.label,
      ),
    );
  }

  drawLegend() {
    const types = [...new Set(this.graph.nodes.map((node) => node.type))];
    replaceChildren(
      this.legend,
      h(
        "ul",
        { class: "legend", "aria-label": "Node types" },
        types.map((type) => {
          const style = typeStyle(type);
          return h(
            "li",
            { "data-testid": "legend-item", "data-type": type },
            h("span", {
              class: "swatch",
              style: `background:${style.light};border-color:${style.strong}`,
              "aria-hidden": "true",
            }),
            style.label,
          );
        }),
      ),
    );
  }

  showDetails(node) {
    if (!node) {
      const hint =
        this.graph.nodes.length > 0
          ? "Select a node in the graph to see its details."
          : "The graph appears with the answer.";
      replaceChildren(this.details, h("p", { class: "hint", "data-testid": "node-details-empty" }, hint));
      return;
    }
    const style = typeStyle(node.type);
    const facts = this.graph.edges
      .filter((edge) => edge.source === node.id || edge.target === node.id)
      .map((edge) => `${this.nameOf(edge.source)} —${edge.label}→ ${this.nameOf(edge.target)}`);
    const ids = h("dd", { "data-testid": "node-details-ids", "data-state": "loading" }, "…");
    this.showIds(node.id, ids);
    replaceChildren(
      this.details,
      h("p", { class: "node-name", "data-testid": "node-details-name" }, node.label),
      h(
        "dl",
        {},
        h("dt", {}, "Type"),
        h(
          "dd",
          { "data-testid": "node-details-type", "data-type": node.type },
          h("span", {
            class: "swatch",
            style: `background:${style.light};border-color:${style.strong}`,
            "aria-hidden": "true",
          }),
          style.label,
        ),
        h("dt", {}, "IRI"),
        h("dd", {}, h("code", { class: "iri", "data-testid": "node-details-iri" }, node.id)),
        h("dt", {}, "Ids"),
        ids,
        h("dt", {}, node.paths.length === 1 ? "On path" : "On paths"),
        h(
          "dd",
          {},
          h(
            "ol",
            { class: "path-refs", "data-testid": "node-details-paths" },
            node.paths.map((number) =>
              h(
                "li",
                { "data-path": number },
                h("strong", {}, `Path ${number}: `),
                this.graph.pathTexts[number - 1],
              ),
            ),
          ),
        ),
        h("dt", {}, "Facts in the graph"),
        h(
          "dd",
          {},
          h(
            "ul",
            { class: "facts", "data-testid": "node-details-facts" },
            facts.map((fact) => h("li", {}, fact)),
          ),
        ),
      ),
    );
  }

  /**
   * Fill `element` with every id merged into the node (OMIM, Orphanet and MONDO ids of one disease).
   * @param {string} iri
   * @param {HTMLElement} element
   */
  async showIds(iri, element) {
    if (!this.describe) {
      replaceChildren(element, "—");
      element.dataset.state = "none";
      return;
    }
    try {
      const node = await this.describe(iri);
      replaceChildren(element, (node.xrefs ?? []).map((xref) => h("code", { class: "xref" }, xref)));
      element.dataset.state = "done";
    } catch (error) {
      replaceChildren(element, `Could not load them: ${error.message}`);
      element.dataset.state = "error";
    }
  }

  nameOf(id) {
    return this.graph.nodes.find((node) => node.id === id)?.label ?? id;
  }
}

function marker(id) {
  return svg(
    "marker",
    {
      id,
      viewBox: "0 0 10 10",
      refX: 10,
      refY: 5,
      markerWidth: ARROW,
      markerHeight: ARROW,
      markerUnits: "userSpaceOnUse",
      orient: "auto-start-reverse",
    },
    svg("path", { d: "M0,0 L10,5 L0,10 z", class: id }),
  );
}

/**
 * The curve of one edge: from the side of its source facing the target to the facing side of the
 * target; parallel edges between one pair fan out, and edges that skip columns bow around the nodes
 * between.
 */
function edgeGeometry(edge, from, to, edges) {
  const half = NODE_WIDTH / 2;
  let start;
  let end;
  let bulge = 0;
  if (from.column === to.column) {
    start = { x: from.x + half, y: from.y };
    end = { x: to.x + half, y: to.y };
    bulge = SKIP_BULGE;
  } else {
    const rightward = to.x > from.x ? 1 : -1;
    start = { x: from.x + rightward * half, y: from.y };
    end = { x: to.x - rightward * half, y: to.y };
    if (Math.abs(to.column - from.column) > 1) bulge = SKIP_BULGE;
  }
  const pair = (other) => [other.source, other.target].sort().join("\n");
  const siblings = edges.filter((other) => pair(other) === pair(edge));
  const spread = siblings.indexOf(edge) - (siblings.length - 1) / 2;
  const offset = bulge + spread * PARALLEL_SPREAD;
  // The normal is taken from the pair's canonical direction so that a -> b and b -> a bend apart.
  const [first, second] = edge.source < edge.target ? [start, end] : [end, start];
  const length = Math.hypot(second.x - first.x, second.y - first.y) || 1;
  const normal = { x: -(second.y - first.y) / length, y: (second.x - first.x) / length };
  // Parallel edges also leave and enter their nodes a little apart, on the side they bend to, so
  // their arrowheads do not overlap.
  const portShift = Math.sign(normal.y || 1) * spread * PARALLEL_PORT_GAP;
  start.y += portShift;
  end.y += portShift;
  const control = {
    x: (start.x + end.x) / 2 + normal.x * offset,
    y: (start.y + end.y) / 2 + normal.y * offset,
  };
  if (from.column === to.column) control.x = Math.max(start.x, end.x) + SKIP_BULGE;
  const labelAt = {
    x: 0.25 * start.x + 0.5 * control.x + 0.25 * end.x,
    y: 0.25 * start.y + 0.5 * control.y + 0.25 * end.y,
  };
  return {
    d: `M${fmt(start.x)},${fmt(start.y)} Q${fmt(control.x)},${fmt(control.y)} ${fmt(end.x)},${fmt(end.y)}`,
    labelAt,
  };
}

function sharesPath(pathsAttribute, onPaths) {
  return (pathsAttribute ?? "").split(" ").some((number) => onPaths.has(Number(number)));
}

/**
 * A node name in at most two lines of `width` characters, cut with an ellipsis beyond.
 * @param {string} text
 * @param {number} width
 * @returns {string[]}
 */
export function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && `${line} ${word}`.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  const kept = lines.slice(0, 2).map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
  if (lines.length > 2) kept[1] = `${kept[1].slice(0, width - 1).trimEnd()}…`;
  return kept.length > 0 ? kept : [""];
}

function fmt(value) {
  return Math.round(value * 10) / 10;
}

/**
 * Where each node of a path graph goes: columns by how far along the walk it lies, rows ordered to
 * keep edges from crossing.
 *
 * Every path walks from the question side to an answer side, so the walk order is (almost always) a
 * DAG: a node's column is the length of the longest walk reaching it, which puts every question-side
 * node first and every answer last. When two paths walk the same nodes in opposite orders there is a
 * cycle; then a node's column is the earliest position it has on any path. Within a column, nodes are
 * ordered by the mean row of their neighbours (the barycentre heuristic), a few sweeps each way.
 */

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 50;
export const COLUMN_GAP = 115;
export const ROW_GAP = 36;
export const MARGIN = 20;
const SWEEPS = 4;

/**
 * @param {import("./graph-model.js").PathGraph} graph
 * @returns {{positions: Map<string, {x: number, y: number, column: number}>, width: number, height: number}}
 *   `x`, `y` are node centres.
 */
export function layoutPathGraph(graph) {
  const ids = graph.nodes.map((node) => node.id);
  const columnOf = columns(ids, graph.steps);
  const columnCount = Math.max(0, ...columnOf.values()) + 1;
  const layers = Array.from({ length: columnCount }, () => []);
  for (const id of ids) layers[columnOf.get(id)].push(id);

  const neighbours = new Map(ids.map((id) => [id, []]));
  for (const [from, to] of graph.steps) {
    neighbours.get(from)?.push(to);
    neighbours.get(to)?.push(from);
  }
  orderLayers(layers, neighbours);

  const tallest = Math.max(1, ...layers.map((layer) => layer.length));
  const height = MARGIN * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const width = MARGIN * 2 + columnCount * NODE_WIDTH + Math.max(0, columnCount - 1) * COLUMN_GAP;
  const positions = new Map();
  layers.forEach((layer, column) => {
    const top = (height - (layer.length * NODE_HEIGHT + (layer.length - 1) * ROW_GAP)) / 2;
    layer.forEach((id, row) => {
      positions.set(id, {
        x: MARGIN + column * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH / 2,
        y: top + row * (NODE_HEIGHT + ROW_GAP) + NODE_HEIGHT / 2,
        column,
      });
    });
  });
  return { positions, width, height };
}

function columns(ids, steps) {
  const column = new Map(ids.map((id) => [id, 0]));
  for (let round = 0; round <= ids.length; round += 1) {
    let changed = false;
    for (const [from, to] of steps) {
      if (column.get(to) < column.get(from) + 1) {
        column.set(to, column.get(from) + 1);
        changed = true;
      }
    }
    if (!changed) return column;
  }
  return earliestPositions(ids, steps);
}

function earliestPositions(ids, steps) {
  const column = new Map(ids.map((id) => [id, Infinity]));
  const starts = new Set(ids);
  for (const [, to] of steps) starts.delete(to);
  const queue = [...(starts.size > 0 ? starts : [ids[0]])].map((id) => [id, 0]);
  while (queue.length > 0) {
    const [id, depth] = queue.shift();
    if (column.get(id) <= depth) continue;
    column.set(id, depth);
    for (const [from, to] of steps) if (from === id) queue.push([to, depth + 1]);
  }
  for (const id of ids) if (column.get(id) === Infinity) column.set(id, 0);
  return column;
}

function orderLayers(layers, neighbours) {
  const rowOf = new Map();
  // Rows are centred on the column's middle, as they are drawn, so short and tall columns compare.
  const remember = (layer) => layer.forEach((id, row) => rowOf.set(id, row - (layer.length - 1) / 2));
  layers.forEach(remember);
  const sortByNeighbours = (layer) => {
    const weight = new Map(
      layer.map((id, row) => {
        const rows = neighbours
          .get(id)
          .filter((other) => !layer.includes(other))
          .map((other) => rowOf.get(other));
        const own = row - (layer.length - 1) / 2;
        return [id, rows.length > 0 ? rows.reduce((sum, value) => sum + value, 0) / rows.length : own];
      }),
    );
    layer.sort((a, b) => weight.get(a) - weight.get(b));
    remember(layer);
  };
  for (let sweep = 0; sweep < SWEEPS; sweep += 1) {
    const order = sweep % 2 === 0 ? layers.slice(1) : layers.slice(0, -1).reverse();
    order.forEach(sortByNeighbours);
  }
}

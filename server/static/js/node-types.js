/**
 * One colour per KG node type (PrimeKG's ten plus Hetionet's pharmacologic class), shared by the graph,
 * its legend and the details panel. Fills are light so the dark label text keeps its contrast; the
 * strong colour outlines the node.
 */

const TYPE_COLOURS = {
  drug: { strong: "#1f66b0", light: "#dbe8f6", label: "drug" },
  disease: { strong: "#c62828", light: "#f8dede", label: "disease" },
  "gene/protein": { strong: "#2e7d32", light: "#dcefdc", label: "gene / protein" },
  "effect/phenotype": { strong: "#d66a00", light: "#ffe7cf", label: "effect / phenotype" },
  anatomy: { strong: "#795548", light: "#eee2dd", label: "anatomy" },
  biological_process: { strong: "#7b4fb3", light: "#ebe2f5", label: "biological process" },
  molecular_function: { strong: "#00838f", light: "#d4f1f4", label: "molecular function" },
  cellular_component: { strong: "#8a8a00", light: "#f0f0cc", label: "cellular component" },
  pathway: { strong: "#c2185b", light: "#f9dde9", label: "pathway" },
  exposure: { strong: "#5f6368", light: "#e6e7e8", label: "exposure" },
  pharmacologic_class: { strong: "#303f9f", light: "#dde0f3", label: "pharmacologic class" },
};
const UNKNOWN = { strong: "#444444", light: "#eeeeee", label: "other" };

/**
 * @param {string} type - A KG node type such as `drug` or `gene/protein`.
 * @returns {{strong: string, light: string, label: string}} Its colours and a readable name.
 */
export function typeStyle(type) {
  return TYPE_COLOURS[type] ?? { ...UNKNOWN, label: type || UNKNOWN.label };
}

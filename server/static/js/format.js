/**
 * Short, readable forms of what the agent reports: durations, arguments, tool results.
 *
 * Tool results can be tens of kilobytes (a path search returns every path it found); the live log shows
 * what they amount to ("10 paths"), and the trace page keeps the full JSON a click away.
 */

/**
 * @param {number|null|undefined} milliseconds
 * @returns {string} `12.3 ms` or `1.24 s`.
 */
export function formatDuration(milliseconds) {
  if (typeof milliseconds !== "number" || !Number.isFinite(milliseconds)) return "";
  return milliseconds >= 1000 ? `${(milliseconds / 1000).toFixed(2)} s` : `${milliseconds.toFixed(1)} ms`;
}

/**
 * JSON on one line, cut to `limit` characters with an ellipsis.
 * @param {unknown} value
 * @param {number} [limit]
 * @returns {string}
 */
export function compactJson(value, limit = 100) {
  let text;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/**
 * Tool arguments as `key=value` pairs, long values shortened: IRIs to their last segment, lists to a count.
 * @param {Record<string, unknown>|null|undefined} argumentsObject
 * @returns {string}
 */
export function shortArguments(argumentsObject) {
  if (!argumentsObject || typeof argumentsObject !== "object") return compactJson(argumentsObject, 80);
  return Object.entries(argumentsObject)
    .map(([key, value]) => `${key}=${shortValue(value)}`)
    .join(", ");
}

function shortValue(value) {
  if (typeof value === "string") {
    const shown = /^https?:\/\//.test(value) ? lastSegment(value) : value;
    return JSON.stringify(shown.length > 60 ? `${shown.slice(0, 59)}…` : shown);
  }
  if (Array.isArray(value)) {
    if (value.length <= 3 && value.every((item) => typeof item === "string")) {
      return `[${value.map(shortValue).join(", ")}]`;
    }
    return `[${value.length} items]`;
  }
  return compactJson(value, 40);
}

/**
 * The last meaningful segment of an IRI, decoded: `…/node/drugbank/DB00630` → `drugbank/DB00630`.
 * @param {string} iri
 * @returns {string}
 */
export function lastSegment(iri) {
  const parts = iri.split("/").filter(Boolean);
  const tail = parts.slice(-2).join("/");
  try {
    return decodeURIComponent(tail);
  } catch {
    return tail;
  }
}

/**
 * What a tool result amounts to: the size of each list in it (`3 entities, 10 paths`), else short JSON.
 * @param {unknown} result
 * @returns {string}
 */
export function summarizeResult(result) {
  if (result && typeof result === "object" && !Array.isArray(result)) {
    const parts = [];
    for (const [key, value] of Object.entries(result)) {
      if (Array.isArray(value)) parts.push(`${value.length} ${value.length === 1 ? singular(key) : key}`);
      else if (typeof value === "string" && key === "name") parts.push(value);
    }
    if (parts.length > 0) return parts.join(", ");
  }
  if (Array.isArray(result)) return `${result.length} items`;
  return compactJson(result, 80);
}

function singular(word) {
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

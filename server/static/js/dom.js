/**
 * Building DOM nodes without innerHTML: every value the server sends (names, IRIs, reasoning text)
 * becomes a text node, so nothing from the knowledge graph or a trace can inject markup.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Make an element.
 * @param {string} tag - Element name.
 * @param {Record<string, unknown>} [attributes] - Attributes; `class` and `data-*` as written,
 *   `on<event>` functions become listeners, `false`/`null`/`undefined` values are skipped.
 * @param {...(Node|string|number|null|undefined|false)} children - Nodes or text.
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/**
 * Make an SVG element (same rules as `h`).
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {SVGElement}
 */
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/**
 * Replace an element's children.
 * @param {Element} element
 * @param {...(Node|string|null|undefined|false)} children
 */
export function replaceChildren(element, ...children) {
  element.replaceChildren(
    ...children.flat().filter((child) => child !== null && child !== undefined && child !== false),
  );
}

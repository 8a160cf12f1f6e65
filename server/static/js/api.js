/**
 * Talking to the medreason server: the optional API key, and every failure turned into plain words.
 *
 * The key lives in localStorage so it survives a reload; it is sent as `Authorization: Bearer KEY`
 * only when set. Every failure becomes an `ApiError` whose message says what happened and what to do.
 */

const KEY_STORAGE = "medreason.apiKey";

/** @returns {string} The saved API key, "" when none. */
export function loadApiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return ""; // storage disabled (private mode, file://): the key just is not remembered
  }
}

/** @param {string} key - The key to remember; "" forgets it. */
export function saveApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key still works for this page, it is just not remembered
  }
}

/** A request that failed, with a message meant for the person using the page. */
export class ApiError extends Error {
  /**
   * @param {string} message - What happened and what to do.
   * @param {object} [details]
   * @param {number|null} [details.status] - HTTP status, null for network failures.
   * @param {string} [details.type] - The server's error type, or `network` / `http`.
   */
  constructor(message, { status = null, type = "http" } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
  }
}

/**
 * `fetch` with the API key and JSON; a non-2xx answer or a network failure throws `ApiError`.
 * @param {string} url
 * @param {RequestInit & {json?: unknown}} [init] - `json` becomes the body with its content type.
 * @returns {Promise<Response>}
 */
export async function request(url, init = {}) {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  const key = loadApiKey();
  if (key) headers.set("Authorization", `Bearer ${key}`);
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    rest.body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(url, { ...rest, headers });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(
      "Could not reach the server: check that it is running and that this page's address is right, then try again.",
      { type: "network" },
    );
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/**
 * `request` and parse the JSON body.
 * @param {string} url
 * @param {RequestInit & {json?: unknown}} [init]
 * @returns {Promise<any>}
 */
export async function requestJson(url, init = {}) {
  const response = await request(url, init);
  try {
    return await response.json();
  } catch {
    throw new ApiError(`The server sent something that is not JSON from ${url}.`, {
      status: response.status,
    });
  }
}

/**
 * The `ApiError` of a failed response, read from its JSON body when it has one.
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
export async function errorOf(response) {
  const status = response.status;
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const said = describeBody(body);
  if (status === 401 || status === 403) {
    const hint = loadApiKey()
      ? "The API key was refused: check it in the API key field and ask again."
      : "This server needs an API key: enter it in the API key field and ask again.";
    return new ApiError(said ? `${hint} (The server said: ${said})` : hint, { status, type: "auth" });
  }
  const type = body?.error?.type ?? "http";
  if (said && status >= 500) return new ApiError(`The server could not answer: ${said}`, { status, type });
  if (said && status === 404) return new ApiError(`Not found: ${said}`, { status, type });
  if (said && status === 429) return new ApiError(`The server is busy: ${said}`, { status, type });
  if (said) return new ApiError(`The server did not accept the request: ${said}`, { status, type });
  if (status >= 500) {
    return new ApiError(
      `The server failed (HTTP ${status}). Try again; if it keeps failing, check its log.`,
      {
        status,
        type,
      },
    );
  }
  return new ApiError(`The server refused the request (HTTP ${status} ${response.statusText}).`, {
    status,
    type,
  });
}

/**
 * The human part of an error body: `{"error": {"message"}}`, FastAPI's `{"detail": "..."}`, or its
 * validation list `{"detail": [{"loc", "msg"}]}`.
 * @param {any} body
 * @returns {string}
 */
export function describeBody(body) {
  if (!body || typeof body !== "object") return "";
  if (body.error && typeof body.error === "object" && body.error.message) return String(body.error.message);
  if (typeof body.error === "string") return body.error;
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) {
    return body.detail
      .map((item) => {
        const where = Array.isArray(item.loc) ? item.loc.filter((part) => part !== "body").join(".") : "";
        return where ? `${where}: ${item.msg}` : String(item.msg ?? JSON.stringify(item));
      })
      .join("; ");
  }
  return "";
}

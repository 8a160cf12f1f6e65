/**
 * Server-sent events over `fetch`: `EventSource` can only GET, and the chat stream is a POST.
 *
 * `SSEParser` follows the WHATWG event-stream rules (fields `event`, `data`, `id`; comments; any line
 * ending) and keeps partial lines between chunks, because the network cuts a stream wherever it likes:
 * inside a frame, inside a line, even between the CR and LF of one line ending.
 */

/**
 * @typedef {object} SSEMessage
 * @property {string} event - The `event:` field, `message` when the frame had none.
 * @property {string} data - The `data:` lines joined with newlines.
 * @property {string} id - The last `id:` seen so far in the stream.
 */

export class SSEParser {
  constructor() {
    this.buffer = "";
    this.lastId = "";
    this.resetFrame();
  }

  resetFrame() {
    this.eventName = "";
    this.dataLines = [];
  }

  /**
   * Feed decoded text; get the messages it completes.
   * @param {string} text - The next piece of the stream, cut anywhere.
   * @returns {SSEMessage[]}
   */
  push(text) {
    this.buffer += text;
    const messages = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (match === null) break;
      // A CR at the very end may be half of a CRLF whose LF is still on the wire.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.line(line);
      if (message !== null) messages.push(message);
    }
    return messages;
  }

  /**
   * The stream ended: finish a line whose CR ending was held back; drop a frame left unterminated
   * (the WHATWG rules say an incomplete event is not dispatched).
   * @returns {SSEMessage[]} The message that held-back line ending completed, if any.
   */
  end() {
    const messages = [];
    if (this.buffer.endsWith("\r")) {
      const message = this.line(this.buffer.slice(0, -1));
      if (message !== null) messages.push(message);
    }
    this.buffer = "";
    this.resetFrame();
    return messages;
  }

  line(line) {
    if (line === "") {
      if (this.dataLines.length === 0) {
        this.resetFrame();
        return null;
      }
      const message = {
        event: this.eventName || "message",
        data: this.dataLines.join("\n"),
        id: this.lastId,
      };
      this.resetFrame();
      return message;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventName = value;
    else if (field === "data") this.dataLines.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return null;
  }
}

/**
 * Read a `text/event-stream` response body, calling `onMessage` for each complete message.
 * @param {ReadableStream<Uint8Array>} body - `response.body` of a fetch.
 * @param {(message: SSEMessage) => void} onMessage
 * @returns {Promise<void>} Resolves when the stream ends; rejects with what `onMessage` or the network threw.
 */
export async function readEventStream(body, onMessage) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SSEParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const message of parser.push(value)) onMessage(message);
    }
    for (const message of parser.end()) onMessage(message);
  } catch (error) {
    // Stop the download too: the caller will not read the rest of a stream it gave up on.
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

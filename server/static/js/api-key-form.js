/**
 * The API-key field in the page header, shared by the ask page and the trace page: it shows whether a
 * key is saved in this browser and saves or clears it.
 */

import { loadApiKey, saveApiKey } from "./api.js";

/**
 * Wire the header's API-key form.
 * @param {object} elements
 * @param {HTMLFormElement} elements.form
 * @param {HTMLInputElement} elements.input
 * @param {HTMLElement} elements.status - Says what happened, in words.
 * @param {(key: string) => void} [elements.onSave] - Called after the key is saved or cleared.
 */
export function setupApiKeyForm({ form, input, status, onSave = () => undefined }) {
  input.value = loadApiKey();
  status.textContent = input.value ? "A key is saved in this browser." : "";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    saveApiKey(key);
    status.textContent = key
      ? "Saved: sent with every request from this browser."
      : "Cleared: requests go without a key.";
    onSave(key);
  });
}

// The server API: POST api/answer and GET api/suggestions (with the tab's key, if any), errors as sentences.

import { authHeaders } from "./auth.js";

// Relative to the chat page, so the app also works mounted under a path prefix.
const ANSWER_URL = "api/answer";
const SUGGESTIONS_URL = "api/suggestions";
const MAX_SUGGESTIONS = 6;

/** POST the question; resolve with the answer JSON or reject with a readable Error. */
export async function postAnswer(question, messages, signal) {
  let response;
  try {
    response = await fetch(ANSWER_URL, {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
      body: JSON.stringify({ question, messages, top_k: 5 }),
      signal,
    });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new Error("Could not reach the server. Check the connection and try again.");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(errorMessage(response.status, body));
  if (!body || typeof body !== "object") throw new Error("The server sent an answer this page cannot read.");
  return body;
}

/** Turn an error status and FastAPI-style {"detail": ...} body into one readable sentence. */
function errorMessage(status, body) {
  const detail = body && body.detail;
  let text = "";
  if (typeof detail === "string") text = detail;
  else if (Array.isArray(detail)) text = detail.map((d) => (d && d.msg) || String(d)).join("; ");
  if (status === 422) return text ? `The question was not accepted: ${text}` : "The question was not accepted.";
  if (status >= 500) return `The server had a problem (${status}). Please try again.`;
  return text || `The request failed (${status}).`;
}

/** The starter questions (at most six non-blank strings); [] on any failure, the page works without them. */
export async function fetchSuggestions() {
  try {
    const response = await fetch(SUGGESTIONS_URL, { headers: authHeaders({ Accept: "application/json" }) });
    const body = response.ok ? await response.json() : null;
    const list = body && Array.isArray(body.questions) ? body.questions : [];
    return list.filter((q) => typeof q === "string" && q.trim()).slice(0, MAX_SUGGESTIONS);
  } catch {
    return [];
  }
}

// The page's state: the conversation entries, kept in sessionStorage for this tab, and the follow-up history.
import { answerText } from "./answer.js";

const STORAGE_KEY = "qa.chat.v1";
const MAX_HISTORY = 20;

/** The page's only mutable state (the open citation panel lives in citations.js). */
export const state = {
  entries: [], // {id, role: "user", text, resolved?} | {id, role: "assistant", data} | {id, role: "error", text}
  seq: 0,
  busy: false,
  generation: 0,
  controller: null,
  suggestions: [],
  ui: {},
};

/** Save the conversation for this tab (survives a reload). */
export function save() {
  const data = JSON.stringify({ entries: state.entries.map(({ id, ...rest }) => rest) });
  try {
    sessionStorage.setItem(STORAGE_KEY, data);
  } catch {
    try { sessionStorage.removeItem(STORAGE_KEY); } catch { /* storage unavailable */ }
  }
}

/** Restore the conversation saved by save(), dropping anything malformed. */
export function load() {
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null"); } catch { saved = null; }
  const list = saved && Array.isArray(saved.entries) ? saved.entries : [];
  state.entries = list.filter(isValidEntry).map((entry) => ({ ...entry, id: ++state.seq }));
  const last = state.entries[state.entries.length - 1];
  if (last && last.role === "user") {
    state.entries.push(makeEntry({ role: "error", text: "The page was reloaded before the answer arrived." }));
  }
}

/** True for an entry shape this page knows how to draw. */
function isValidEntry(entry) {
  if (!entry || typeof entry !== "object") return false;
  if (entry.role === "user" || entry.role === "error") return typeof entry.text === "string";
  return entry.role === "assistant" && !!entry.data && typeof entry.data === "object";
}

/** Give an entry a fresh id. */
export function makeEntry(entry) {
  return { ...entry, id: ++state.seq };
}

/** The earlier answered turns before a user entry, oldest first, at most MAX_HISTORY messages. */
export function historyFor(userEntry) {
  const messages = [];
  const end = state.entries.indexOf(userEntry);
  for (let i = 0; i < end; i++) {
    const entry = state.entries[i];
    const next = state.entries[i + 1];
    if (entry.role !== "user" || !next || next.role !== "assistant") continue;
    messages.push({ role: "user", content: entry.text });
    messages.push({ role: "assistant", content: answerText(next.data) });
  }
  return messages.slice(-MAX_HISTORY);
}

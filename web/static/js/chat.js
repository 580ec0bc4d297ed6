// The conversation: asking (earlier turns go along as follow-up `messages`), retry, new chat, the busy state,
// the starter questions of the empty chat, and the form.
import { fetchSuggestions, postAnswer } from "./api.js";
import { answerText } from "./answer.js";
import { forgetOpenPanel } from "./citations.js";
import { announce, el } from "./dom.js";
import { renderEntry } from "./render.js";
import { historyFor, load, makeEntry, save, state } from "./store.js";

const TIMEOUT_MS = 120000;

/** Draw an entry with the page's current busy state and Retry wired. */
function draw(entry) {
  return renderEntry(entry, { busy: state.busy, onRetry: retry });
}

/** The page node of an entry, if drawn. */
function findNode(entry) {
  return state.ui.conversation.querySelector(`[data-id="${entry.id}"]`);
}

/** Redraw one entry in place. */
function replaceNode(entry) {
  const node = findNode(entry);
  if (node) node.replaceWith(draw(entry));
  save();
}

/** Insert an entry right after another one, in the state and in the page. */
function placeAfter(anchor, entry) {
  const index = state.entries.indexOf(anchor);
  state.entries.splice(index + 1, 0, entry);
  save();
  const node = draw(entry);
  const anchorNode = findNode(anchor);
  if (anchorNode) anchorNode.after(node);
  else state.ui.conversation.append(node);
  node.scrollIntoView({ block: "nearest" });
}

/** Ask the server for the answer to a user entry and add the answer or an error after it. */
async function request(userEntry) {
  const generation = state.generation;
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
  state.controller = controller;
  setBusy(true);
  announce("Searching…");
  try {
    const data = await postAnswer(userEntry.text, historyFor(userEntry), controller.signal);
    if (generation !== state.generation) return;
    userEntry.resolved = typeof data.resolved_question === "string" ? data.resolved_question : "";
    replaceNode(userEntry);
    placeAfter(userEntry, makeEntry({ role: "assistant", data }));
    announce(`Answer: ${answerText(data)}`);
  } catch (err) {
    if (generation !== state.generation) return;
    const timedOut = err && err.name === "AbortError";
    const text = timedOut ? "The server took too long to answer." : String((err && err.message) || err);
    placeAfter(userEntry, makeEntry({ role: "error", text }));
    announce(`Error: ${text}`);
  } finally {
    window.clearTimeout(timer);
    if (generation === state.generation) setBusy(false);
  }
}

/** Start a new turn with this question. */
function ask(question) {
  const text = question.trim();
  if (!text || state.busy) return;
  const entry = makeEntry({ role: "user", text });
  state.entries.push(entry);
  save();
  state.ui.conversation.append(draw(entry));
  updateEmpty();
  request(entry);
}

/** Drop an error entry and ask its question again. */
function retry(errorEntry) {
  if (state.busy) return;
  const index = state.entries.indexOf(errorEntry);
  const userEntry = state.entries.slice(0, index).reverse().find((e) => e.role === "user");
  state.entries.splice(index, 1);
  const node = findNode(errorEntry);
  if (node) node.remove();
  save();
  if (userEntry) request(userEntry);
}

/** Clear the conversation (and abandon any request in flight). */
export function newChat() {
  state.generation += 1;
  if (state.controller) state.controller.abort();
  state.entries = [];
  forgetOpenPanel();
  save();
  setBusy(false);
  state.ui.conversation.replaceChildren();
  updateEmpty();
  state.ui.question.value = "";
  state.ui.question.focus();
  announce("New chat started.");
}

/** Reflect the waiting state: disabled input, "Searching…" status, body.busy. */
function setBusy(busy) {
  const { question, send, status } = state.ui;
  state.busy = busy;
  document.body.classList.toggle("busy", busy);
  question.disabled = busy;
  send.disabled = busy;
  status.textContent = busy ? "Searching…" : "";
  if (busy) status.scrollIntoView({ block: "nearest" });
  for (const button of document.querySelectorAll("button.retry, button.starter")) button.disabled = busy;
  if (!busy) question.focus();
}

/** Redraw the conversation saved for this tab and scroll to its end. */
export function restore() {
  load();
  state.ui.conversation.replaceChildren(...state.entries.map(draw));
  save();
  updateEmpty();
  const lastNode = state.ui.conversation.lastElementChild;
  if (lastNode) lastNode.scrollIntoView({ block: "nearest" });
}

/** Show the intro and starters only while the chat is empty. */
function updateEmpty() {
  const empty = state.entries.length === 0;
  state.ui.empty.hidden = !empty;
  state.ui.starters.hidden = !empty || state.suggestions.length === 0;
}

/** Fetch the starter questions and draw them; the page works without them. */
export async function loadStarters() {
  state.suggestions = await fetchSuggestions();
  renderStarters();
}

/** Draw the starter buttons. */
function renderStarters() {
  const buttons = state.suggestions.map((question) => {
    const button = el("button", { type: "button", class: "starter" }, question);
    button.disabled = state.busy;
    button.addEventListener("click", () => ask(question));
    return button;
  });
  state.ui.starters.replaceChildren(...buttons);
  updateEmpty();
}

/** Enter sends, Shift+Enter (or IME composition) keeps typing. */
export function onQuestionKeydown(event) {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  state.ui.form.requestSubmit();
}

/** Form submit: send the textarea's question. */
export function onSubmit(event) {
  event.preventDefault();
  const question = state.ui.question.value.trim();
  if (!question || state.busy) return;
  state.ui.question.value = "";
  ask(question);
}

// Drawing conversation entries: the user bubble, the error with Retry, and the answer card with its table card.
import { KIND_LABELS, answerContext, answerKind, answerText, citationsOf, copyAnswer } from "./answer.js";
import { renderCitations } from "./citations.js";
import { el } from "./dom.js";

/** Draw any entry; `busy` disables a new Retry button, `onRetry(entry)` runs when it is pressed. */
export function renderEntry(entry, { busy, onRetry }) {
  if (entry.role === "user") return renderUser(entry);
  if (entry.role === "error") return renderError(entry, busy, onRetry);
  return renderAssistant(entry);
}

/** A user bubble, plus "Understood as: …" when the server rewrote the question. */
function renderUser(entry) {
  const li = el("li", { class: "msg user", "data-id": entry.id });
  li.append(el("p", { class: "bubble" }, el("span", { class: "visually-hidden" }, "You asked: "), entry.text));
  const resolved = (entry.resolved || "").trim();
  if (resolved && resolved.toLowerCase() !== entry.text.trim().toLowerCase()) {
    li.append(el("p", { class: "resolved" }, `Understood as: ${resolved}`));
  }
  return li;
}

/** An inline error with a Retry button. */
function renderError(entry, busy, onRetry) {
  const li = el("li", { class: "msg error", "data-id": entry.id });
  const button = el("button", { type: "button", class: "btn retry" }, "Retry");
  button.disabled = busy;
  button.addEventListener("click", () => onRetry(entry));
  li.append(el("p", { class: "error-text" }, entry.text), button);
  return li;
}

/** An answer card: badge, short answer (with its sentence under it), table card, citations, copy button. */
function renderAssistant(entry) {
  const data = entry.data;
  const kind = answerKind(data);
  const li = el("li", { class: `msg assistant kind-${kind}`, "data-id": entry.id });
  const head = el("div", { class: "answer-head" }, el("span", { class: "kind-badge" }, KIND_LABELS[kind]));
  if (typeof data.confidence === "number" && kind !== "none") {
    head.append(el("span", { class: "confidence" }, `${Math.round(data.confidence * 100)}% confidence`));
  }
  const context = answerContext(data);
  li.append(head, el("p", { class: context ? "answer-text short" : "answer-text" }, answerText(data)));
  if (context) li.append(renderContext(context));
  if (kind === "table" && data.table_answer) li.append(renderTableCard(data.table_answer));
  const citations = citationsOf(data);
  if (citations.length) li.append(renderCitations(citations, kind, entry.id));
  li.append(renderActions(data));
  return li;
}

/** The sentence the short answer comes from, the answer marked in it (text nodes only). */
function renderContext({ before, span, after }) {
  return el("p", { class: "answer-context" }, el("span", { class: "visually-hidden" }, "From the sentence: "),
    before, el("mark", { class: "answer-mark" }, span), after);
}

/** The table card: caption, cells used, explanation, source note. */
function renderTableCard(table) {
  const card = el("div", { class: "table-card" });
  if (table.caption) card.append(el("p", { class: "caption" }, table.caption));
  const cells = Array.isArray(table.cells) ? table.cells : [];
  if (cells.length) card.append(renderCells(cells));
  if (table.explanation) card.append(el("p", { class: "explanation" }, table.explanation));
  if (table.source_note) card.append(el("p", { class: "source-note" }, table.source_note));
  return card;
}

/** The cells the answer used, as a Row / Column / Value table. */
function renderCells(cells) {
  const head = el("tr", {}, ...["Row", "Column", "Value"].map((h) => el("th", { scope: "col" }, h)));
  const rows = cells.map((c) => el("tr", {}, el("td", {}, String(c.row ?? "")),
    el("td", {}, String(c.column ?? "")), el("td", { class: "value" }, String(c.value ?? ""))));
  return el("table", { class: "cells" }, el("thead", {}, head), el("tbody", {}, ...rows));
}

/** The answer's action row (copy). */
function renderActions(data) {
  const copy = el("button", {
    type: "button", class: "btn btn-small copy", "aria-label": "Copy answer and citations",
  }, "Copy");
  copy.addEventListener("click", () => copyAnswer(copy, data));
  return el("div", { class: "actions" }, copy);
}

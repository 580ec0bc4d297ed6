// qa chat page. Vanilla ES2020, no dependencies, nothing loaded from outside.
// Every text from the corpus or the user goes into the page as a text node, never as markup.
"use strict";

(() => {
  /** The page's only mutable state. */
  const state = {
    entries: [], // {id, role: "user", text, resolved?} | {id, role: "assistant", data} | {id, role: "error", text}
    seq: 0,
    busy: false,
    generation: 0,
    controller: null,
    suggestions: [],
    lastPanel: null,
    ui: {},
  };

  const STORAGE_KEY = "qa.chat.v1";
  const MAX_HISTORY = 20;
  const TIMEOUT_MS = 120000;
  // Badge text per answer kind; the kind itself stays in the card's class (kind-table, kind-passage, kind-none).
  const KIND_LABELS = { table: "From a table", passage: "From the text", none: "Not in the corpus" };
  const NONE_TEXT = "The corpus doesn't say.";
  // Relative to the chat page, so the app also works mounted under a path prefix.
  const ANSWER_URL = "api/answer";
  const SUGGESTIONS_URL = "api/suggestions";

  // ---------- DOM helpers ----------

  /** Build an element; props set attributes (class, text-safe), children are nodes or plain strings. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== "") node.append(child);
    }
    return node;
  }

  /** Put a message into the polite live region so screen readers read it. */
  function announce(text) {
    const live = state.ui.live;
    live.textContent = "";
    window.setTimeout(() => { live.textContent = text; }, 60);
  }

  /** Briefly change a button's label, then restore it. */
  function flash(button, text) {
    const original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    window.setTimeout(() => { button.textContent = original; }, 1800);
  }

  // ---------- storage ----------

  /** Save the conversation for this tab (survives a reload). */
  function save() {
    const data = JSON.stringify({ entries: state.entries.map(({ id, ...rest }) => rest) });
    try {
      sessionStorage.setItem(STORAGE_KEY, data);
    } catch {
      try { sessionStorage.removeItem(STORAGE_KEY); } catch { /* storage unavailable */ }
    }
  }

  /** Restore the conversation saved by save(), dropping anything malformed. */
  function load() {
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
  function makeEntry(entry) {
    return { ...entry, id: ++state.seq };
  }

  // ---------- API ----------

  /** The earlier answered turns before a user entry, oldest first, at most MAX_HISTORY messages. */
  function historyFor(userEntry) {
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

  /** POST the question; resolve with the answer JSON or reject with a readable Error. */
  async function postAnswer(question, messages, signal) {
    let response;
    try {
      response = await fetch(ANSWER_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
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

  // ---------- conversation flow ----------

  /** Start a new turn with this question. */
  function ask(question) {
    const text = question.trim();
    if (!text || state.busy) return;
    const entry = makeEntry({ role: "user", text });
    state.entries.push(entry);
    save();
    state.ui.conversation.append(renderEntry(entry));
    updateEmpty();
    request(entry);
  }

  /** Insert an entry right after another one, in the state and in the page. */
  function placeAfter(anchor, entry) {
    const index = state.entries.indexOf(anchor);
    state.entries.splice(index + 1, 0, entry);
    save();
    const node = renderEntry(entry);
    const anchorNode = findNode(anchor);
    if (anchorNode) anchorNode.after(node);
    else state.ui.conversation.append(node);
    node.scrollIntoView({ block: "nearest" });
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
  function newChat() {
    state.generation += 1;
    if (state.controller) state.controller.abort();
    state.entries = [];
    state.lastPanel = null;
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

  // ---------- rendering ----------

  /** The page node of an entry, if drawn. */
  function findNode(entry) {
    return state.ui.conversation.querySelector(`[data-id="${entry.id}"]`);
  }

  /** Redraw one entry in place. */
  function replaceNode(entry) {
    const node = findNode(entry);
    if (node) node.replaceWith(renderEntry(entry));
    save();
  }

  /** Draw any entry. */
  function renderEntry(entry) {
    if (entry.role === "user") return renderUser(entry);
    if (entry.role === "error") return renderError(entry);
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
  function renderError(entry) {
    const li = el("li", { class: "msg error", "data-id": entry.id });
    const button = el("button", { type: "button", class: "btn retry" }, "Retry");
    button.disabled = state.busy;
    button.addEventListener("click", () => retry(entry));
    li.append(el("p", { class: "error-text" }, entry.text), button);
    return li;
  }

  /** The short answer as shown (the plain sentence for kind "none"). */
  function answerText(data) {
    if (data.kind === "none") return NONE_TEXT;
    return String(data.answer || "").trim() || NONE_TEXT;
  }

  /** An answer card: badge, short answer, table card, citations, copy button. */
  function renderAssistant(entry) {
    const data = entry.data;
    const kind = Object.keys(KIND_LABELS).includes(data.kind) ? data.kind : "passage";
    const li = el("li", { class: `msg assistant kind-${kind}`, "data-id": entry.id });
    const head = el("div", { class: "answer-head" }, el("span", { class: "kind-badge" }, KIND_LABELS[kind]));
    if (typeof data.confidence === "number" && kind !== "none") {
      head.append(el("span", { class: "confidence" }, `${Math.round(data.confidence * 100)}% confidence`));
    }
    li.append(head, el("p", { class: "answer-text" }, answerText(data)));
    if (kind === "table" && data.table_answer) li.append(renderTableCard(data.table_answer));
    const citations = Array.isArray(data.citations) ? data.citations : [];
    if (citations.length) li.append(renderCitations(citations, kind, entry.id));
    li.append(renderActions(data));
    return li;
  }

  /** The table card: caption, cells used, explanation, source note. */
  function renderTableCard(table) {
    const card = el("div", { class: "table-card" });
    if (table.caption) card.append(el("p", { class: "caption" }, table.caption));
    const cells = Array.isArray(table.cells) ? table.cells : [];
    if (cells.length) {
      const head = el("tr", {}, ...["Row", "Column", "Value"].map((h) => el("th", { scope: "col" }, h)));
      const rows = cells.map((c) => el("tr", {}, el("td", {}, String(c.row ?? "")),
        el("td", {}, String(c.column ?? "")), el("td", { class: "value" }, String(c.value ?? ""))));
      card.append(el("table", { class: "cells" }, el("thead", {}, head), el("tbody", {}, ...rows)));
    }
    if (table.explanation) card.append(el("p", { class: "explanation" }, table.explanation));
    if (table.source_note) card.append(el("p", { class: "source-note" }, table.source_note));
    return card;
  }

  /** Citation chips and the (initially closed) passage panel they open. */
  function renderCitations(citations, kind, id) {
    const heading = kind === "none" ? "Closest matches" : "Sources";
    const section = el("section", { class: "citations", "aria-label": heading });
    const panel = el("div", { class: "citation-passage", id: `passage-${id}`, hidden: true });
    const chips = el("div", { class: "chips" });
    citations.forEach((citation, i) => chips.append(renderChip(citation, i + 1, panel)));
    section.append(el("h3", { class: "citations-title" }, heading), chips, panel);
    return section;
  }

  /** One numbered chip; a real button toggling the passage. */
  function renderChip(citation, fallbackN, panel) {
    const n = Number.isInteger(citation.n) ? citation.n : fallbackN;
    const label = citation.title || citation.source || "source";
    const chip = el("button", {
      type: "button", class: "chip", "data-n": n, "aria-expanded": "false",
      "aria-controls": panel.id, "aria-label": `Citation ${n}: ${label}`, title: label,
    }, `[${n}]`);
    chip.addEventListener("click", () => toggleCitation(chip, citation, panel));
    return chip;
  }

  /** Open the chip's passage, or close it when it is already open. */
  function toggleCitation(chip, citation, panel) {
    const wasOpen = chip.getAttribute("aria-expanded") === "true";
    closePanel(panel);
    if (wasOpen) return;
    fillPassage(panel, citation, chip.dataset.n);
    panel.hidden = false;
    chip.setAttribute("aria-expanded", "true");
    state.lastPanel = panel;
  }

  /** Close a passage panel and reset its chips. */
  function closePanel(panel) {
    panel.hidden = true;
    panel.replaceChildren();
    for (const chip of panel.parentElement.querySelectorAll("button.chip")) {
      chip.setAttribute("aria-expanded", "false");
    }
    if (state.lastPanel === panel) state.lastPanel = null;
  }

  /** Fill the panel: title and source, the passage with its best sentence marked, the document link. */
  function fillPassage(panel, citation, n) {
    const meta = el("p", { class: "passage-meta" }, `[${n}] `,
      el("strong", {}, citation.title || citation.source || ""), " · ",
      el("span", { class: "passage-source" }, citation.source || ""));
    const link = el("a", { class: "open-doc", href: docHref(citation) }, "Open in document");
    panel.replaceChildren(meta, renderPassage(String(citation.text || ""), citation.highlight), link);
  }

  /** The passage text with highlight offsets (code points, as the server counts) wrapped in <mark>. */
  function renderPassage(text, highlight) {
    const block = el("blockquote", { class: "passage-text" });
    const chars = Array.from(text);
    const start = highlight ? Math.max(0, Math.min(chars.length, Number(highlight.start) || 0)) : 0;
    const end = highlight ? Math.max(start, Math.min(chars.length, Number(highlight.end) || 0)) : 0;
    if (end <= start) {
      block.append(text);
      return block;
    }
    block.append(chars.slice(0, start).join(""), el("mark", {}, chars.slice(start, end).join("")),
      chars.slice(end).join(""));
    return block;
  }

  /** view/{source}?start=&end= (relative to the chat page) with each path segment encoded and slashes kept. */
  function docHref(citation) {
    const path = String(citation.source || "").split("/").map(encodeURIComponent).join("/");
    const start = Math.max(0, parseInt(citation.start, 10) || 0);
    const end = Math.max(start, parseInt(citation.end, 10) || 0);
    return `view/${path}?start=${start}&end=${end}`;
  }

  /** The answer's action row (copy). */
  function renderActions(data) {
    const copy = el("button", { type: "button", class: "btn btn-small copy", "aria-label": "Copy answer and citations" }, "Copy");
    copy.addEventListener("click", () => copyAnswer(copy, data));
    return el("div", { class: "actions" }, copy);
  }

  // ---------- copy ----------

  /** The answer plus its evidence, as plain text. */
  function plainText(data) {
    const lines = [answerText(data)];
    const table = data.kind === "table" && data.table_answer;
    if (table && table.explanation) lines.push(table.explanation);
    if (table && table.source_note) lines.push(`Source: ${table.source_note}`);
    const citations = Array.isArray(data.citations) ? data.citations : [];
    if (citations.length) lines.push("", data.kind === "none" ? "Closest matches:" : "Sources:");
    citations.forEach((c, i) => {
      lines.push(`[${c.n ?? i + 1}] ${c.title || c.source} (${c.source})`);
      lines.push(`    ${String(c.text || "").replace(/\s+/g, " ").trim()}`);
    });
    return lines.join("\n");
  }

  /** Copy via the Clipboard API, falling back to a hidden textarea and execCommand. */
  async function copyAnswer(button, data) {
    const text = plainText(data);
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = legacyCopy(text);
      button.focus();
    }
    flash(button, ok ? "Copied" : "Copy failed");
    announce(ok ? "Answer copied." : "Copy failed. Select the answer text to copy it.");
  }

  /** Old-style copy for browsers without (or refusing) navigator.clipboard. */
  function legacyCopy(text) {
    const area = el("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true", tabindex: "-1" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch { ok = false; }
    area.remove();
    return ok;
  }

  // ---------- starters ----------

  /** Show the intro and starters only while the chat is empty. */
  function updateEmpty() {
    const empty = state.entries.length === 0;
    state.ui.empty.hidden = !empty;
    state.ui.starters.hidden = !empty || state.suggestions.length === 0;
  }

  /** Fetch starter questions; the page works without them. */
  async function loadSuggestions() {
    try {
      const response = await fetch(SUGGESTIONS_URL, { headers: { Accept: "application/json" } });
      const body = response.ok ? await response.json() : null;
      const list = body && Array.isArray(body.questions) ? body.questions : [];
      state.suggestions = list.filter((q) => typeof q === "string" && q.trim()).slice(0, 6);
    } catch {
      state.suggestions = [];
    }
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

  // ---------- events & start ----------

  /** Enter sends, Shift+Enter (or IME composition) keeps typing. */
  function onQuestionKeydown(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    state.ui.form.requestSubmit();
  }

  /** Form submit: send the textarea's question. */
  function onSubmit(event) {
    event.preventDefault();
    const question = state.ui.question.value.trim();
    if (!question || state.busy) return;
    state.ui.question.value = "";
    ask(question);
  }

  /** Escape closes the open citation (the focused one first) and returns focus to its chip. */
  function onDocumentKeydown(event) {
    if (event.key !== "Escape") return;
    const active = document.activeElement;
    const section = active && active.closest ? active.closest(".citations") : null;
    const focusedPanel = section ? section.querySelector(".citation-passage:not([hidden])") : null;
    const panel = focusedPanel || state.lastPanel;
    if (!panel || panel.hidden) return;
    const chip = panel.parentElement.querySelector('button.chip[aria-expanded="true"]');
    closePanel(panel);
    if (chip) chip.focus();
    event.preventDefault();
  }

  /** Find the page's nodes, wire events, restore the chat, fetch starters. */
  function init() {
    const ids = ["conversation", "question", "send", "new-chat", "status", "live", "starters", "empty", "ask-form"];
    for (const id of ids) state.ui[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
    state.ui.form = state.ui.askForm;
    state.ui.form.addEventListener("submit", onSubmit);
    state.ui.question.addEventListener("keydown", onQuestionKeydown);
    state.ui.newChat.addEventListener("click", newChat);
    document.addEventListener("keydown", onDocumentKeydown);
    load();
    state.ui.conversation.replaceChildren(...state.entries.map(renderEntry));
    save();
    updateEmpty();
    const lastNode = state.ui.conversation.lastElementChild;
    if (lastNode) lastNode.scrollIntoView({ block: "nearest" });
    loadSuggestions();
    // No autofocus on load: keyboard users start at the skip link, and phones keep their keyboard closed.
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// Citations: the numbered chips, the passage panel they open with its highlight, and Escape to close it.
import { el } from "./dom.js";

/** The passage panel opened last (Escape closes it when focus is outside any citations section). */
let lastPanel = null;

/** Citation chips and the (initially closed) passage panel they open. */
export function renderCitations(citations, kind, id) {
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
  lastPanel = panel;
}

/** Close a passage panel and reset its chips. */
function closePanel(panel) {
  panel.hidden = true;
  panel.replaceChildren();
  for (const chip of panel.parentElement.querySelectorAll("button.chip")) {
    chip.setAttribute("aria-expanded", "false");
  }
  if (lastPanel === panel) lastPanel = null;
}

/** Forget the last opened panel (the conversation was cleared). */
export function forgetOpenPanel() {
  lastPanel = null;
}

/** Fill the panel: title and source, the passage with its best sentence marked, the document link. */
function fillPassage(panel, citation, n) {
  const meta = el("p", { class: "passage-meta" }, `[${n}] `,
    el("strong", {}, citation.title || citation.source || ""), " · ",
    el("span", { class: "passage-source" }, citation.source || ""),
    Number.isInteger(citation.page) ? el("span", { class: "passage-page" }, ` · page ${citation.page}`) : "");
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
  const href = `view/${path}?start=${start}&end=${end}`;
  const hl = citation.highlight;
  if (!Number.isInteger(citation.page) || !hl) return href;
  // On a page image, the highlight (a table's cited row, a passage's best sentence) is marked the strongest.
  const from = start + Math.max(0, parseInt(hl.start, 10) || 0);
  return `${href}&focus_start=${from}&focus_end=${Math.max(from, start + (parseInt(hl.end, 10) || 0))}`;
}

/** Escape closes the open citation (the focused one first) and returns focus to its chip. */
export function onEscapeKeydown(event) {
  if (event.key !== "Escape") return;
  const active = document.activeElement;
  const section = active && active.closest ? active.closest(".citations") : null;
  const focusedPanel = section ? section.querySelector(".citation-passage:not([hidden])") : null;
  const panel = focusedPanel || lastPanel;
  if (!panel || panel.hidden) return;
  const chip = panel.parentElement.querySelector('button.chip[aria-expanded="true"]');
  closePanel(panel);
  if (chip) chip.focus();
  event.preventDefault();
}

// The answer JSON read as text (its kind, its short answer, the plain-text copy with its evidence) and the Copy action.
import { announce, el, flash } from "./dom.js";

// Badge text per answer kind; the kind itself stays in the card's class (kind-table, kind-passage, kind-none).
export const KIND_LABELS = { table: "From a table", passage: "From the text", none: "Not in the corpus" };
const NONE_TEXT = "The corpus doesn't say.";

/** The kind to draw: one of KIND_LABELS, "passage" for anything unknown. */
export function answerKind(data) {
  return Object.keys(KIND_LABELS).includes(data.kind) ? data.kind : "passage";
}

/** The short answer as shown (the plain sentence for kind "none"). */
export function answerText(data) {
  if (data.kind === "none") return NONE_TEXT;
  return String(data.answer || "").trim() || NONE_TEXT;
}

/**
 * The sentence around a short passage answer, split around it: { before, span, after }, or null when there is
 * none or the answer is the whole sentence.
 */
export function answerContext(data) {
  if (data.kind !== "passage" || !data.answer_span) return null;
  const context = String(data.context || "");
  const answer = String(data.answer || "");
  const at = answer ? context.indexOf(answer) : -1;
  if (at < 0 || answer.trim() === context.trim()) return null;
  return { before: context.slice(0, at), span: answer, after: context.slice(at + answer.length) };
}

/** The citations list, or [] when the server sent none. */
export function citationsOf(data) {
  return Array.isArray(data.citations) ? data.citations : [];
}

/** The answer plus its evidence, as plain text (what Copy puts on the clipboard). */
function plainText(data) {
  const lines = [answerText(data)];
  const context = answerContext(data);
  if (context) lines.push(context.before + context.span + context.after);
  const table = data.kind === "table" && data.table_answer;
  if (table && table.explanation) lines.push(table.explanation);
  if (table && table.source_note) lines.push(`Source: ${table.source_note}`);
  const citations = citationsOf(data);
  if (citations.length) lines.push("", data.kind === "none" ? "Closest matches:" : "Sources:");
  citations.forEach((c, i) => {
    lines.push(`[${c.n ?? i + 1}] ${c.title || c.source} (${c.source})`);
    lines.push(`    ${String(c.text || "").replace(/\s+/g, " ").trim()}`);
  });
  return lines.join("\n");
}

/** Copy via the Clipboard API, falling back to a hidden textarea and execCommand. */
export async function copyAnswer(button, data) {
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

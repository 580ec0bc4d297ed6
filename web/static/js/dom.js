// DOM helpers shared by the chat modules. Every text goes in as a text node, never as markup.

/** Build an element; props set attributes (class, text-safe), children are nodes or plain strings. */
export function el(tag, props = {}, ...children) {
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

/** Put a message into the polite live region (#live) so screen readers read it. */
export function announce(text) {
  const live = document.getElementById("live");
  live.textContent = "";
  window.setTimeout(() => { live.textContent = text; }, 60);
}

/** Briefly change a button's label, then restore it. */
export function flash(button, text) {
  const original = button.dataset.label || button.textContent;
  button.dataset.label = original;
  button.textContent = text;
  window.setTimeout(() => { button.textContent = original; }, 1800);
}

// qa chat page, entry module. Vanilla ES2020 modules, no dependencies, no build step, nothing loaded from outside.
// Every text from the corpus or the user goes into the page as a text node, never as markup.
import { loadStarters, newChat, onQuestionKeydown, onSubmit, restore } from "./chat.js";
import { onEscapeKeydown } from "./citations.js";
import { state } from "./store.js";

const IDS = ["conversation", "question", "send", "new-chat", "status", "live", "starters", "empty", "ask-form"];

/** Find the page's nodes by id, camelCased into state.ui (the form as state.ui.form). */
function findNodes() {
  for (const id of IDS) state.ui[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
  state.ui.form = state.ui.askForm;
}

/** Find the page's nodes, wire events, restore the chat, fetch starters. */
function init() {
  findNodes();
  state.ui.form.addEventListener("submit", onSubmit);
  state.ui.question.addEventListener("keydown", onQuestionKeydown);
  state.ui.newChat.addEventListener("click", newChat);
  document.addEventListener("keydown", onEscapeKeydown);
  restore();
  loadStarters();
  // No autofocus on load: keyboard users start at the skip link, and phones keep their keyboard closed.
}

// Module scripts run deferred, after parsing; the check covers being loaded some other way.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();

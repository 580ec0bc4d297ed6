// Document view: the page image with the cited boxes (PDFs), else the cited passage (#hl) brought into view and
// given focus for keyboard users. When every request needs a key, the page comes without the text, which is
// fetched here with the tab's key (the text view only: an <img> cannot send the key).
import { authHeaders } from "./auth.js";
import { placeBoxes, wireTabs } from "./pageview.js";

function focusHighlight() {
  const hl = document.getElementById("hl");
  if (!hl) return;
  hl.scrollIntoView({ block: "center" });
  hl.focus({ preventScroll: true });
}

async function fill(article) {
  const box = document.getElementById("doc-text");
  const response = await fetch(article.dataset.api, { headers: authHeaders({ Accept: "application/json" }) }).catch(() => null);
  if (!response || !response.ok) {
    box.textContent = response && response.status === 401
      ? "Sign in with a key on the manage page (/manage) to see this document."
      : "This document is not available.";
    return;
  }
  const doc = await response.json();
  const start = Math.min(Number(article.dataset.start) || 0, doc.text.length);
  const end = Math.max(Math.min(Number(article.dataset.end) || 0, doc.text.length), start);
  document.getElementById("doc-title").textContent = doc.title;
  document.title = `${doc.title} · qa`;
  const mark = document.createElement("mark");
  mark.id = "hl";
  mark.tabIndex = -1;
  mark.textContent = doc.text.slice(start, end);
  box.replaceChildren(doc.text.slice(0, start), ...(end > start ? [mark] : []), doc.text.slice(end));
}

function showPage() {
  const figure = document.querySelector(".doc-page");
  const tabs = document.querySelector(".doc-views");
  if (!figure || !tabs) return false;
  placeBoxes(figure);
  wireTabs(tabs);
  const first = figure.querySelector(".page-box.focus") || figure.querySelector(".page-box");
  if (first) first.scrollIntoView({ block: "center" });
  return true;
}

document.addEventListener("DOMContentLoaded", async () => {
  if (showPage()) return;
  const article = document.getElementById("deferred");
  if (article) await fill(article);
  focusHighlight();
});

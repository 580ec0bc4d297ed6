// Document view: the page image with the cited boxes (PDFs), else the cited passage (#hl) brought into view.
import { placeBoxes, wireTabs } from "./pageview.js";

document.addEventListener("DOMContentLoaded", () => {
  const figure = document.querySelector(".doc-page");
  const tabs = document.querySelector(".doc-views");
  if (figure && tabs) {
    placeBoxes(figure);
    wireTabs(tabs);
    const first = figure.querySelector(".page-box.focus") || figure.querySelector(".page-box");
    if (first) first.scrollIntoView({ block: "center" });
    return;
  }
  const hl = document.getElementById("hl");
  if (!hl) return;
  hl.scrollIntoView({ block: "center" });
  hl.focus({ preventScroll: true });
});

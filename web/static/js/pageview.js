// Page view of a PDF: the cited boxes placed over the page image, and the Page / Text tabs.

/** Place each .page-box over the image, in percent of the page (boxes are PDF points from the top-left). */
export function placeBoxes(figure) {
  const width = Number(figure.dataset.width) || 1;
  const height = Number(figure.dataset.height) || 1;
  for (const box of figure.querySelectorAll(".page-box")) {
    const x0 = Number(box.dataset.x0), y0 = Number(box.dataset.y0);
    const x1 = Number(box.dataset.x1), y1 = Number(box.dataset.y1);
    // Set through the CSSOM: the page's CSP forbids inline style attributes, not this.
    box.style.left = `${(100 * x0) / width}%`;
    box.style.top = `${(100 * y0) / height}%`;
    box.style.width = `${(100 * (x1 - x0)) / width}%`;
    box.style.height = `${(100 * (y1 - y0)) / height}%`;
  }
}

/** Show one tab's panel, hide the other's; the text view scrolls to the cited passage when shown. */
function select(tabs, chosen) {
  for (const tab of tabs) {
    const on = tab === chosen;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
  }
  const hl = document.getElementById("hl");
  if (chosen.id === "tab-text" && hl) hl.scrollIntoView({ block: "center" });
}

/** Wire the tabs: click, and the arrow keys between them. */
export function wireTabs(list) {
  const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tabs, tab));
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const next = tabs[(i + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      select(tabs, next);
      next.focus();
    });
  });
}

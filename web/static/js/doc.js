// Document view: bring the cited passage (#hl) into view and give it focus for keyboard users.
document.addEventListener("DOMContentLoaded", () => {
  const hl = document.getElementById("hl");
  if (!hl) return;
  hl.scrollIntoView({ block: "center" });
  hl.focus({ preventScroll: true });
});

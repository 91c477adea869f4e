// The catalogue's filters fold away on a phone so the courses come first;
// "Filters (2 applied)" opens them again. Without JavaScript they stay open.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 600px)").matches) return;
  for (const filters of document.querySelectorAll("details[data-fold-on-phone]")) {
    filters.open = false;
  }
});

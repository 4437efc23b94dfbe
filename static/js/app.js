// Marks the sidebar entry of the current page.
document.addEventListener("DOMContentLoaded", () => {
  const here = window.location.pathname;
  let best = null;
  document.querySelectorAll(".sidebar a[href]").forEach((link) => {
    const path = new URL(link.href, window.location.origin).pathname;
    if (here.startsWith(path) && (!best || path.length > best.path.length)) best = { link, path };
  });
  if (best) best.link.setAttribute("aria-current", "page");
});

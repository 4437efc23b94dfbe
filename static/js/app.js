// Site-wide behaviour. No inline script or event-handler attribute anywhere (Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  // Marks the sidebar entry of the current page.
  const here = window.location.pathname;
  let best = null;
  document.querySelectorAll(".sidebar a[href]").forEach((link) => {
    const path = new URL(link.href, window.location.origin).pathname;
    if (here.startsWith(path) && (!best || path.length > best.path.length)) best = { link, path };
  });
  if (best) best.link.setAttribute("aria-current", "page");
});

// <select data-autosubmit>: submits its form when the choice changes (language switcher, list filters).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});

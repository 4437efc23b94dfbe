"""Checks the browser suite runs on pages: axe-core (accessibility) and the layout (nothing wider than its
container), plus the screenshots kept as CI artefacts (artifacts/e2e/pages/<lang>-<width>-<page>.png).

axe-core is the npm package's axe.min.js, vendored under tests/e2e/vendor/ for the tests only (the app never
serves it). It is added as an init script of the context: Playwright injects init scripts through the
DevTools protocol, which the page's Content-Security-Policy does not govern, so the pages keep their strict
policy (no `bypass_csp`) and the CSP listener of conftest.py stays meaningful in the same contexts.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import ARTIFACTS

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES = ARTIFACTS / "pages"
FAILING_IMPACTS = ("serious", "critical")

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) =>
    `${v.impact} ${v.id} (${v.help}): ` + v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | "));
}"""

# Overflow is measured, never guessed: the page and <main> must not scroll sideways at any width (a
# scroll box's content does not count for its ancestors), and at 1366 px no table may be wider than its
# .table-responsive box and no card, column or form wider than itself. At every width, links in the content
# are underlined (recognisable without hover).
LAYOUT = """(scrollBoxesAllowed) => {
  const problems = [];
  const classes = (el) => typeof el.className === "string" && el.className.trim()
    ? "." + el.className.trim().split(/\\s+/).slice(0, 3).join(".") : "";
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes(el);
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    // name the innermost elements that stick out, outside any scroll box
    const out = [...document.body.querySelectorAll("*")].filter((el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= doc.clientWidth + 1) return false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== "visible") return false;
      }
      return ![...el.children].some((c) => c.getBoundingClientRect().right > doc.clientWidth + 1);
    }).slice(0, 3).map(name);
    problems.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window: ${out.join(", ")}`);
  }
  const main = document.querySelector("main");
  if (!main) { problems.push("no <main> element"); return problems; }
  if (main.scrollWidth > main.clientWidth + 1) {
    problems.push(`main is ${main.scrollWidth}px wide in ${main.clientWidth}px`);
  }
  // Links read as links without hover: a visible link in the page's content (not a button, a tab, the
  // pager, a menu item, the breadcrumb or the stepper) is underlined (docs/UI.md "Design rules").
  const navigation = ".btn, .nav-link, .page-link, .dropdown-item, .list-group-item-action, .skip-link";
  for (const link of main.querySelectorAll("a[href]")) {
    if (link.matches(navigation) || link.closest(".app-breadcrumb, .stepper, .visually-hidden")) continue;
    if (!link.getClientRects().length) continue;
    if (!getComputedStyle(link).textDecorationLine.includes("underline")) {
      problems.push(`the link ${name(link)} "${link.textContent.trim().slice(0, 40)}" is not underlined`);
    }
  }
  // The breadcrumb ends with the page itself (its last crumb is the current page, not a link to a parent).
  const crumbs = main.querySelectorAll(".app-breadcrumb .breadcrumb-item");
  if (crumbs.length && crumbs[crumbs.length - 1].getAttribute("aria-current") !== "page") {
    problems.push(`the breadcrumb ends with "${crumbs[crumbs.length - 1].textContent.trim()}", not with the page`);
  }
  if (scrollBoxesAllowed) return problems;
  for (const box of main.querySelectorAll(".table-responsive")) {
    const table = box.querySelector("table");
    if (table && (table.offsetWidth > box.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1)) {
      const wide = Math.max(table.offsetWidth, box.scrollWidth);
      problems.push(`${name(table)} is ${wide}px wide in its ${box.clientWidth}px box`);
    }
  }
  const blocks = "table, .card, .card-body, .row > *, form, .alert, .list-group-item";
  for (const el of main.querySelectorAll(blocks)) {
    if (el.closest(".table-responsive") && el.tagName !== "TABLE") continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || el.clientWidth === 0 || style.overflowX !== "visible") continue;
    // a Bootstrap .row's negative margins (half a gutter, at most 24px) are not an overflow
    if (el.scrollWidth > el.clientWidth + 24) {
      problems.push(`${name(el)} holds ${el.scrollWidth}px of content in ${el.clientWidth}px`);
    }
  }
  return problems.slice(0, 8);
}"""


def enable_axe(context) -> None:
    context.add_init_script(path=str(AXE))


def axe_violations(page) -> list[str]:
    """Serious and critical axe violations of the page as it is now."""
    return page.evaluate(AXE_RUN)


def layout_problems(page, width: int) -> list[str]:
    """Intentional horizontal scroll boxes (.table-responsive) are allowed only on narrow screens."""
    return page.evaluate(LAYOUT, width < 992)


def save_page(page, lang: str, width: int, name: str) -> Path:
    PAGES.mkdir(parents=True, exist_ok=True)
    path = PAGES / f"{lang}-{width}-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

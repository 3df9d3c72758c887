"""What the browser tests check on every page: axe-core at WCAG 2.2 A and AA, landmarks,
the skip link, visible focus, names and labels on form controls, page weight."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import CDPSession, Page

#: axe-core rule tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: The page-weight promise: system fonts, no CSS or JS framework.
CSS_JS_BUDGET_BYTES = 50 * 1024

#: Keyboard stops checked for a visible focus indicator on each page.
MAX_TAB_STOPS = 40

#: Accessibility-tree roles of things a person operates; each needs a name.
CONTROL_ROLES = {
    "button",
    "checkbox",
    "combobox",
    "link",
    "listbox",
    "menuitem",
    "radio",
    "searchbox",
    "slider",
    "spinbutton",
    "switch",
    "tab",
    "textbox",
}


@dataclass
class PageAudit:
    """Everything found wrong on one page, by kind (empty lists: all good)."""

    url: str
    status: int
    axe: list[str] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    keyboard: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    layout: list[str] = field(default_factory=list)
    css_js_bytes: int = 0
    language: str | None = None  # an HTML page's <html lang> (None: not HTML)


def run_axe(page: Page) -> list[str]:
    """Run axe-core on the page; one line per violating element: id, help, target."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
        f"      at {' '.join(str(t) for t in node['target'])}: {node['html'][:160]}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def check_structure(page: Page) -> list[str]:
    """One main landmark, one h1, a first heading that is the h1."""
    problems = []
    mains = page.get_by_role("main").count()
    if mains != 1:
        problems.append(f"{mains} main landmarks (want exactly 1)")
    h1s = page.get_by_role("heading", level=1).count()
    if h1s != 1:
        problems.append(f"{h1s} h1 headings (want exactly 1)")
    for landmark in ("banner", "contentinfo"):
        if page.get_by_role(landmark).count() != 1:
            problems.append(f"no single {landmark} landmark")
    return problems


_FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const seen = window.__pdhubTabStops = window.__pdhubTabStops || new WeakSet();
  const repeat = seen.has(el);
  seen.add(el);
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href'),
    text: (el.innerText || el.value || '').trim().slice(0, 40),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
    visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0,
    repeat,
  };
}"""


def check_keyboard(page: Page) -> list[str]:
    """The skip link is the first tab stop, is visible when focused and moves focus to
    main; every tab stop after it shows a visible focus indicator.

    Leaves the page at its #main fragment (run it after the checks that read the page).
    """
    problems = []
    # Start from the top of the document, whatever the page focused on load (a page
    # that comes back with errors focuses its error summary on purpose).
    page.evaluate(
        """() => {
            document.activeElement && document.activeElement.blur();
            const start = document.createElement("span");
            start.tabIndex = -1;
            document.body.prepend(start);
            start.focus();
            start.remove();
        }"""
    )
    page.keyboard.press("Tab")
    first = page.evaluate(_FOCUS_STATE)
    if first is None or first["tag"] != "a" or first["href"] != "#main":
        problems.append(f"the first tab stop is {first}, not the skip link to #main")
    elif not first["visible"]:
        problems.append("the skip link stays invisible when focused")
    state = first
    for _ in range(MAX_TAB_STOPS):
        if state is None or state["repeat"]:
            break  # focus left the page or came round again
        if not (state["outline"] or state["shadow"]):
            problems.append(f"no visible focus indicator on {_describe(state)}")
        if not state["visible"]:
            problems.append(f"focus lands on something invisible: {_describe(state)}")
        page.keyboard.press("Tab")
        state = page.evaluate(_FOCUS_STATE)
    if first is not None and first["href"] == "#main":
        page.locator("a.skip-link, a[href='#main']").first.focus()
        page.keyboard.press("Enter")
        focused = page.evaluate(
            "() => document.activeElement && document.activeElement.id"
        )
        if focused != "main":
            problems.append(f"the skip link moved focus to #{focused}, not to main")
    return problems


_OVERFLOW = """width => {
  const page = document.documentElement.scrollWidth;
  if (page <= width) return {page, culprits: []};
  // The outermost elements that reach past the right edge; wide tables inside their
  // own scrolling region are fine (they scroll, the page does not), but positioned
  // elements in them can escape the region's clipping.
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getBoundingClientRect().right <= width + 1) continue;
    const fixed = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    if (el.closest('.table-wrap') && !fixed) continue;
    const parent = el.parentElement;
    if (!fixed && parent && parent !== document.body
        && parent.getBoundingClientRect().right > width + 1) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + Array.from(el.classList, c => '.' + c).join('');
    culprits.push(`${name} ends at ${Math.round(el.getBoundingClientRect().right)}px`
      + `: ${(el.innerText || el.outerHTML).trim().slice(0, 60)}`);
  }
  return {page, culprits: culprits.slice(0, 5)};
}"""


def check_layout(page: Page) -> list[str]:
    """Nothing but a table's own scrolling region is wider than the screen: the page
    itself never scrolls sideways."""
    viewport = page.viewport_size
    assert viewport is not None
    found = page.evaluate(_OVERFLOW, viewport["width"])
    if found["page"] <= viewport["width"]:
        return []
    return [
        f"the page is {found['page']}px wide on a {viewport['width']}px screen "
        f"(it scrolls sideways): {'; '.join(found['culprits']) or 'cause not found'}"
    ]


def _describe(state: dict[str, Any]) -> str:
    label = state["text"] or state["href"] or state["id"]
    return f"<{state['tag']}> {label!r}"


def check_names(page: Page, cdp: CDPSession) -> list[str]:
    """Every control has an accessible name (from Chromium's accessibility tree) and
    every input, select and textarea has a <label>."""
    problems = []
    tree = cdp.send("Accessibility.getFullAXTree")
    for node in tree["nodes"]:
        if node.get("ignored"):
            continue
        role = node.get("role", {}).get("value")
        name = (node.get("name") or {}).get("value", "")
        if role in CONTROL_ROLES and not str(name).strip():
            problems.append(f"a {role} without an accessible name")
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'input:not([type=hidden]):not([type=submit]):not([type=button]),'
              + 'select, textarea'))
            .filter(el => !el.labels || el.labels.length === 0)
            .map(el => `${el.tagName.toLowerCase()}#${el.id}[name=${el.name}]`)"""
    )
    problems.extend(f"{control} has no <label>" for control in unlabelled)
    return problems


class AssetSizes:
    """Sizes of the stylesheets and scripts pages use, fetched once per URL (the size
    on the wire: the server sends them uncompressed)."""

    def __init__(self) -> None:
        self._sizes: dict[str, int] = {}

    def css_js_bytes(self, page: Page) -> int:
        """Bytes of CSS and JavaScript the page loads, cached or not."""
        urls = page.evaluate(
            """() => [
              ...Array.from(document.querySelectorAll('link[rel~=stylesheet][href]'),
                            el => el.href),
              ...Array.from(document.querySelectorAll('script[src]'), el => el.src)]"""
        )
        total = 0
        for url in urls:
            if url not in self._sizes:
                response = page.request.get(url)
                self._sizes[url] = len(response.body())
            total += self._sizes[url]
        return total

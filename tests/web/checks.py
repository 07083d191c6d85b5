"""What every page must be for the people who meet it, checked in the real browser.

Each check returns a list of problems in words (empty: fine), so one run of a page reports
everything wrong with it at once rather than the first failure only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CLIPPED_TEXT_JS = r"""
() => {
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    for (const c of el.classList) s += '.' + c;
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(describe(e));
    }
    return parts.join(' > ');
  };
  const hides = (value) => value === 'hidden' || value === 'clip';
  const scrolls = (value) => value === 'auto' || value === 'scroll';
  // Screen-reader-only text (the "visually hidden" pattern) is meant to be invisible: a box
  // of at most 1px that hides its overflow, a zero-area clip rect, or a clip-path inset(50%).
  const zeroClip = (clip) => {
    const n = (clip.match(/-?[\d.]+/g) || []).map(Number);
    return n.length === 4 && (n[2] - n[0] <= 1 || n[1] - n[3] <= 1);
  };
  const srOnly = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      const cs = getComputedStyle(e);
      if ((r.width <= 1 || r.height <= 1) && hides(cs.overflowX)) return true;
      if (cs.clip !== 'auto' && zeroClip(cs.clip)) return true;
      if (cs.clipPath.startsWith('inset(50%')) return true;
    }
    return false;
  };
  const problems = [];
  const width = document.documentElement.clientWidth;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
  });
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TITLE'].includes(el.tagName)) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    if (srOnly(el)) continue;
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const text = JSON.stringify(node.textContent.trim().replace(/\s+/g, ' ').slice(0, 40));
    let reachable = false;  // inside a scrolling box: what sticks out can be scrolled to
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      const x = hides(cs.overflowX), y = hides(cs.overflowY);
      if (scrolls(cs.overflowX) || scrolls(cs.overflowY)) { reachable = true; break; }
      if (!x && !y) continue;
      const box = a.getBoundingClientRect();
      const left = box.left + a.clientLeft, top = box.top + a.clientTop;
      const right = left + a.clientWidth, bottom = top + a.clientHeight;
      const cut = rects.some((r) =>
        (x && (r.left < left - 1 || r.right > right + 1)) ||
        (y && (r.top < top - 1 || r.bottom > bottom + 1)));
      if (cut) {
        problems.push(`${text} in ${path(el)} is cut off by ${path(a)} ` +
                      `(overflow: ${cs.overflowX} ${cs.overflowY})`);
        break;
      }
    }
    if (reachable) continue;
    // Text wholly off-screen is a skip link waiting for focus; text partly off-screen is lost.
    const partly = rects.some((r) =>
      (r.left < -1 && r.right > 0) || (r.left < width && r.right > width + 1));
    if (partly) problems.push(`${text} in ${path(el)} runs past the edge of the page`);
  }
  return problems;
}
"""

MISSING_GLYPHS_JS = r"""
() => {
  // A character the page's fonts (and the system's fallbacks) cannot draw comes out as the
  // same "tofu" box as a code point no font has; compare each character with that box.
  const font = '32px ' + getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font;
    ctx.fillStyle = '#000';
    ctx.fillText(ch, 8, 44);
    return ctx.getImageData(0, 0, 64, 64).data.join(',');
  };
  const tofu = new Set([draw('\u0378'), draw('\u{10FFFD}')]);
  const missing = [];
  for (const ch of new Set(Array.from(document.body.innerText + document.title))) {
    if (ch.trim() && tofu.has(draw(ch))) missing.push(ch);
  }
  return missing;
}
"""

FOCUS_STYLE_JS = r"""
(el) => {
  // What lies behind the outline is what the eye compares it with: sample the page in the
  // middle of the outline's band on each side (not the DOM parent: a skip link or a
  // positioned badge sits over other boxes).
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const width = parseFloat(cs.outlineWidth) || 0;
  const out = (parseFloat(cs.outlineOffset) || 0) + width / 2;
  const opaque = (bg) => bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg);
  const behind = (x, y) => {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return null;
    for (const under of document.elementsFromPoint(x, y)) {
      if (under === el || el.contains(under)) continue;
      const bg = getComputedStyle(under).backgroundColor;
      if (opaque(bg)) return bg;
    }
    return getComputedStyle(document.documentElement).backgroundColor || 'rgb(255, 255, 255)';
  };
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const sides = [
    behind(cx, r.top - out), behind(cx, r.bottom + out),
    behind(r.left - out, cy), behind(r.right + out, cy),
  ].filter((bg) => bg);
  return {
    tag: el.tagName.toLowerCase(), text: el.innerText.trim().slice(0, 40),
    outlineStyle: cs.outlineStyle, outlineWidth: width, outlineColor: cs.outlineColor,
    backgrounds: [...new Set(sides)],
  };
}
"""


WIDE_ELEMENTS_JS = r"""
(width) => {
  // The innermost elements (or text) that reach past the right edge: what makes the page wide.
  const wide = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getBoundingClientRect().right > width + 1) wide.add(el);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some((r) => r.right > width + 1)) wide.add(node.parentElement);
  }
  const innermost = [...wide].filter((el) => ![...wide].some((o) => o !== el && el.contains(o)));
  return innermost.slice(0, 5).map((el) => {
    let s = el.tagName.toLowerCase();
    for (const c of el.classList) s += '.' + c;
    const text = el.textContent.trim().replace(/\s+/g, ' ').slice(0, 30);
    return `${s} (right edge ${Math.round(el.getBoundingClientRect().right)}px, "${text}")`;
  });
}
"""


def horizontal_overflow(page: Page, width: int) -> list[str]:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return []
    wide = page.evaluate(WIDE_ELEMENTS_JS, width)
    return [f"the page is {scroll_width}px wide in a {width}px viewport; widest: {wide}"]


def clipped_text(page: Page) -> list[str]:
    return list(page.evaluate(CLIPPED_TEXT_JS))


def missing_glyphs(page: Page) -> list[str]:
    missing = page.evaluate(MISSING_GLYPHS_JS)
    if not missing:
        return []
    shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
    return [f"no installed font draws: {shown}"]


def headings(page: Page) -> list[str]:
    count = page.locator("h1").count()
    return [] if count == 1 else [f"{count} h1 elements (one is expected)"]


def html_lang(page: Page, lang: str) -> list[str]:
    actual = page.evaluate("document.documentElement.lang")
    return [] if actual == lang else [f'<html lang="{actual}">, expected "{lang}"']


GEORGIAN = re.compile("[\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f]")


def speaks(page: Page, lang: str) -> list[str]:
    """The h1 is in the page's language: Georgian letters in a ``ka`` page, none in ``en``.

    ``<html lang>`` alone can claim Georgian for English text (untranslated strings), and a
    screen reader then reads English with a Georgian voice.
    """
    h1 = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
    georgian = GEORGIAN.search(h1) is not None
    if georgian == (lang == "ka"):
        return []
    return [f"the h1 {h1!r} is not in {'Georgian' if lang == 'ka' else 'English'}"]


def accessibility(page: Page) -> list[str]:
    """axe-core's violations, each with its id, impact, help and the elements' selectors."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    violations = Axe().run(page).response["violations"]
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:8])
        for v in violations
    ]


def fail_if(problems: list[str], where: str) -> None:
    """Fail the test with every problem found, one per line."""
    if problems:
        pytest.fail(f"{where}:\n- " + "\n- ".join(problems), pytrace=False)


def focus_style(page: Page) -> dict[str, Any]:
    """How the element that has focus now shows it (outline and what lies behind it)."""
    return dict(page.evaluate_handle("document.activeElement").evaluate(FOCUS_STYLE_JS))


def rgb(color: str) -> tuple[float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", color)[:3]]
    if len(numbers) != 3:
        raise ValueError(f"not an rgb() colour: {color}")
    return numbers[0], numbers[1], numbers[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(color: str) -> float:
        def channel(value: float) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b_ = (channel(v) for v in rgb(color))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)

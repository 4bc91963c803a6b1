import type { Page } from 'playwright-core';

/**
 * The layout rules of docs/web.md checked in a real page, for gloved hands on a fixed screen:
 * - nothing visible lies outside the viewport and the page does not scroll ('outside-viewport');
 * - no visible interactive element overlaps another one, unless one contains the other, and none
 *   is covered by another element where a finger would press it ('overlap');
 * - every visible interactive element is at least `minTarget` px wide and high ('small-target').
 *
 * Interactive: button, a[href], input (not hidden), select, textarea, summary, an ARIA widget
 * role (button, link, tab, checkbox, radio, switch, menuitem, option), [tabindex >= 0], and a
 * [data-testid] element that is clickable (an onclick handler or cursor: pointer).
 * Visible: rendered (checkVisibility with opacity and visibility), not inert, not zero-sized, and
 * not entirely clipped by an ancestor's overflow. While a modal is open (dialog:modal,
 * [aria-modal="true"], [data-modal]) only what lies inside a modal is audited: the page behind
 * cannot be touched. Elements matching (or inside) an `ignore` selector are skipped.
 */
export interface LayoutProblem {
  kind: 'outside-viewport' | 'overlap' | 'small-target';
  selector: string;
  detail: string;
}

export interface AuditOptions {
  /** The smallest width and height of a touch target, px; 60 by default (docs/web.md). */
  minTarget?: number;
  /** CSS selectors of elements (and their subtrees) left out of the audit. */
  ignore?: string[];
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export async function auditLayout(page: Page, o: AuditOptions = {}): Promise<LayoutProblem[]> {
  const args = { minTarget: o.minTarget ?? 60, ignore: o.ignore ?? [] };
  // Sent as source text, so that nothing the test runner's transform adds to functions (name
  // helpers) reaches the page.
  return page.evaluate(`(${IN_PAGE_AUDIT})(${JSON.stringify(args)})`) as Promise<LayoutProblem[]>;
}

/** Where each selector's first match lies (viewport px, rounded to 0.1); throws if one is missing. */
export async function positionsOf(page: Page, selectors: string[]): Promise<Record<string, Box>> {
  const found = (await page.evaluate(`(${IN_PAGE_POSITIONS})(${JSON.stringify(selectors)})`)) as Record<
    string,
    Box | null
  >;
  const missing = selectors.filter((s) => !found[s]);
  if (missing.length > 0) throw new Error(`positionsOf: nothing matches ${missing.join(', ')}`);
  return found as Record<string, Box>;
}

/** A one-line summary of problems for an assertion message. */
export function describeProblems(problems: LayoutProblem[]): string {
  return problems.map((p) => `${p.kind} ${p.selector}: ${p.detail}`).join('\n');
}

const IN_PAGE_POSITIONS = `function (selectors) {
  const out = {};
  for (const s of selectors) {
    const el = document.querySelector(s);
    if (!el) { out[s] = null; continue; }
    const r = el.getBoundingClientRect();
    const round = (v) => Math.round(v * 10) / 10;
    out[s] = { x: round(r.x), y: round(r.y), w: round(r.width), h: round(r.height) };
  }
  return out;
}`;

const IN_PAGE_AUDIT = `function (o) {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const EPS = 0.5;
  const px = (v) => Math.round(v * 10) / 10;
  const box = (r) => px(r.width) + 'x' + px(r.height) + ' at (' + px(r.left) + ', ' + px(r.top) + ')';

  const cssEscape = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s);
  const step = (el) => {
    const tag = el.tagName.toLowerCase();
    const testid = el.getAttribute('data-testid');
    if (testid) return tag + '[data-testid="' + testid + '"]';
    if (el.id) return tag + '#' + cssEscape(el.id);
    let s = tag;
    for (const c of el.classList) s += '.' + cssEscape(c);
    const key = el.getAttribute('data-key');
    if (key !== null) s += '[data-key="' + key + '"]';
    const parent = el.parentElement;
    if (parent && key === null) {
      const same = [...parent.children].filter((c) => c.tagName === el.tagName);
      if (same.length > 1) s += ':nth-of-type(' + (same.indexOf(el) + 1) + ')';
    }
    return s;
  };
  const selectorOf = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && e !== document.documentElement && parts.length < 5; e = e.parentElement) {
      parts.unshift(step(e));
      if (e.getAttribute('data-testid') || e.id) break;
    }
    return parts.join(' > ');
  };

  const ignored = (el) => o.ignore.some((sel) => el.closest(sel) !== null);
  const modalSelector = 'dialog:modal, [aria-modal="true"], [data-modal]';
  const modals = [...document.querySelectorAll(modalSelector)].filter((m) =>
    m.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }),
  );
  const inModal = (el) => el.closest(modalSelector) !== null;

  // The part of an element's box that its overflow-clipping ancestors let show.
  const clippedRect = (el) => {
    const r = el.getBoundingClientRect();
    let left = r.left, top = r.top, right = r.right, bottom = r.bottom;
    if (getComputedStyle(el).position === 'fixed') return { left, top, right, bottom };
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      const ar = a.getBoundingClientRect();
      if (cs.overflowX !== 'visible') { left = Math.max(left, ar.left); right = Math.min(right, ar.right); }
      if (cs.overflowY !== 'visible') { top = Math.max(top, ar.top); bottom = Math.min(bottom, ar.bottom); }
      if (cs.position === 'fixed') break;
    }
    return { left, top, right, bottom };
  };
  const visible = (el) => {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    if (el.closest('[inert]')) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const c = clippedRect(el);
    return c.right - c.left >= 1 && c.bottom - c.top >= 1;
  };
  const outside = (r) => r.left < -EPS || r.top < -EPS || r.right > vw + EPS || r.bottom > vh + EPS;

  // 1. The page itself scrolls.
  const se = document.scrollingElement || document.documentElement;
  if (se.scrollWidth > vw + EPS || se.scrollHeight > vh + EPS) {
    problems.push({
      kind: 'outside-viewport',
      selector: 'document',
      detail: 'the page scrolls: content ' + se.scrollWidth + 'x' + se.scrollHeight + ' in a ' + vw + 'x' + vh + ' viewport',
    });
  }

  // 2. Visible elements (after clipping) that reach outside the viewport: the outermost of each.
  const all = [...document.body.querySelectorAll('*')];
  const overflowing = new Set();
  let reported = 0;
  for (const el of all) {
    if (ignored(el) || !visible(el)) continue;
    const c = clippedRect(el);
    if (!outside(c)) continue;
    overflowing.add(el);
    const parent = el.parentElement;
    if (parent && parent !== document.body && overflowing.has(parent)) continue;
    if (reported++ >= 20) continue;
    problems.push({
      kind: 'outside-viewport',
      selector: selectorOf(el),
      detail: box(el.getBoundingClientRect()) + ' reaches outside the ' + vw + 'x' + vh + ' viewport',
    });
  }

  // 3. Interactive elements.
  const widget = 'button, a[href], input:not([type="hidden"]), select, textarea, summary, ' +
    '[role="button"], [role="link"], [role="tab"], [role="checkbox"], [role="radio"], [role="switch"], ' +
    '[role="menuitem"], [role="option"]';
  const interactive = (el) => {
    if (el.matches(widget)) return true;
    if (el.hasAttribute('tabindex') && Number(el.getAttribute('tabindex')) >= 0) return true;
    if (el.hasAttribute('data-testid')) {
      return typeof el.onclick === 'function' || getComputedStyle(el).cursor === 'pointer';
    }
    return false;
  };
  const targets = all.filter((el) => interactive(el) && !ignored(el) && visible(el) && (modals.length === 0 || inModal(el)));

  for (const el of targets) {
    const r = el.getBoundingClientRect();
    const sel = selectorOf(el);
    if (outside(r) && !overflowing.has(el)) {
      problems.push({ kind: 'outside-viewport', selector: sel, detail: box(r) + ' is not fully inside the ' + vw + 'x' + vh + ' viewport' });
    }
    if (r.width < o.minTarget - EPS || r.height < o.minTarget - EPS) {
      problems.push({ kind: 'small-target', selector: sel, detail: box(r) + ' is smaller than ' + o.minTarget + 'x' + o.minTarget + ' px' });
    }
  }

  // Pairs that overlap (neither inside the other).
  for (let i = 0; i < targets.length; i++) {
    const a = targets[i];
    const ra = a.getBoundingClientRect();
    for (let j = i + 1; j < targets.length; j++) {
      const b = targets[j];
      if (a.contains(b) || b.contains(a)) continue;
      const rb = b.getBoundingClientRect();
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const hh = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > EPS && hh > EPS) {
        problems.push({
          kind: 'overlap',
          selector: selectorOf(a),
          detail: box(ra) + ' overlaps ' + selectorOf(b) + ' ' + box(rb) + ' by ' + px(w) + 'x' + px(hh),
        });
      }
    }
  }

  // Targets covered where a finger would press (the centre): a toast or banner on top of them.
  const targetSet = new Set(targets);
  for (const el of targets) {
    const r = el.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    if (cx < 0 || cy < 0 || cx >= vw || cy >= vh) continue;
    const hit = document.elementFromPoint(cx, cy);
    if (!hit || hit === el || el.contains(hit) || hit.contains(el)) continue;
    if (ignored(hit)) continue;
    // Another target overlapping this one is reported above already.
    let covering = hit;
    for (let e = hit; e; e = e.parentElement) if (targetSet.has(e)) covering = null;
    if (!covering) continue;
    problems.push({
      kind: 'overlap',
      selector: selectorOf(el),
      detail: box(r) + ' is covered at its centre by ' + selectorOf(hit),
    });
  }
  return problems;
}`;

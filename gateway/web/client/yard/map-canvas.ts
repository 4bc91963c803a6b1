import { h } from '../shared/dom.ts';
import { STATE_COLORS, UNKNOWN_COLOR } from './bay-colors.ts';
import {
  bayAt,
  cellRect,
  layoutMap,
  type MapLayout,
  type Rect,
  ZOOM_PITCH,
  type ZoneBlock,
} from './map-layout.ts';
import type { YardModel } from './yard-model.ts';

/**
 * The yard map on one canvas. A change marks its bay dirty and the next animation frame draws
 * only the dirty bays (and the header of a zone whose counts changed); a resize, a filter or a
 * language change redraws everything. A burst of 1,200 changes is one frame. Zoomed in, the
 * cells are big enough for a finger (ZOOM_PITCH) and numbered, the canvas is as tall as the map
 * and its box scrolls; a chosen bay is scrolled into view.
 */
const BG = '#0b0f14';
const FONT =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', system-ui, sans-serif";

export interface MapStats {
  frames: number;
  cellsDrawn: number;
  lastFrameMs: number;
  lastFrameAt: number;
  /** Milliseconds spent drawing, all frames. */
  paintMs: number;
}

export class MapCanvas {
  readonly el: HTMLElement;
  readonly stats: MapStats = { frames: 0, cellsDrawn: 0, lastFrameMs: 0, lastFrameAt: 0, paintMs: 0 };
  private readonly canvas = h('canvas', { class: 'map-canvas', dataset: { testid: 'yard-canvas' } });
  private readonly ctx: CanvasRenderingContext2D;
  private layout: MapLayout | undefined;
  private readonly where = new Map<string, { block: ZoneBlock; index: number }>();
  private readonly dirty = new Set<string>();
  private readonly dirtyHeaders = new Set<string>();
  private full = true;
  private scheduled = false;
  private selectedBay: string | undefined;
  private zoomed = false;

  constructor(
    private readonly model: YardModel,
    private readonly headerText: (zoneId: string) => string,
    private readonly stripText: (zone: { id: string; name: string; kind: string }) => string,
    onSelect: (bay: string | undefined) => void,
  ) {
    this.el = h('div', { class: 'map-box' }, this.canvas);
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    new ResizeObserver(() => this.resize()).observe(this.el);
    this.canvas.addEventListener('click', (ev) => {
      if (!this.layout) return;
      const r = this.canvas.getBoundingClientRect();
      onSelect(bayAt(this.layout, ev.clientX - r.left, ev.clientY - r.top));
    });
  }

  markBay(bay: string): void {
    this.dirty.add(bay);
    const zone = this.model.zoneOf.get(bay);
    if (zone) this.dirtyHeaders.add(zone);
    this.schedule();
  }

  markAll(): void {
    this.full = true;
    this.schedule();
  }

  select(bay: string | undefined): void {
    const prev = this.selectedBay;
    this.selectedBay = bay;
    if (prev) this.dirty.add(prev);
    if (bay) this.dirty.add(bay);
    this.schedule();
  }

  get zoom(): boolean {
    return this.zoomed;
  }

  /** Zooms in (cells big enough to tap) or out (the whole yard on screen). */
  setZoom(on: boolean): void {
    if (on === this.zoomed) return;
    this.zoomed = on;
    this.el.classList.toggle('zoomed', on);
    if (!on) this.el.scrollTop = 0;
    this.resize();
    if (on && this.selectedBay) this.reveal(this.selectedBay);
  }

  /** Scrolls the zoomed map so that a bay's cell is in view (nothing to do when the whole yard shows). */
  reveal(bay: string): void {
    const w = this.where.get(bay);
    if (!this.zoomed || !w || !this.layout) return;
    const c = cellRect(this.layout, w.block, w.index);
    const top = this.el.scrollTop;
    const view = this.el.clientHeight;
    if (c.y < top || c.y + c.h > top + view) this.el.scrollTop = Math.max(0, c.y - (view - c.h) / 2);
  }

  /** A bay's cell in viewport CSS pixels (for tests and the detail panel's placement). */
  cellOf(bay: string): Rect | undefined {
    const w = this.where.get(bay);
    if (!w || !this.layout) return undefined;
    const c = cellRect(this.layout, w.block, w.index);
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + c.x, y: r.top + c.y, w: c.w, h: c.h };
  }

  get bayCount(): number {
    return this.where.size;
  }

  private resize(): void {
    const w = this.el.clientWidth;
    const hgt = this.el.clientHeight;
    if (w === 0 || hgt === 0) return;
    const dpr = window.devicePixelRatio || 1;
    this.layout = layoutMap(this.model.zones, w, hgt, this.zoomed ? ZOOM_PITCH : undefined);
    const full = this.zoomed ? this.layout.height : hgt;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(full * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${full}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.where.clear();
    for (const block of this.layout.zones) {
      for (const [index, bay] of block.bays.entries()) this.where.set(bay, { block, index });
    }
    this.markAll();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    this.scheduled = false;
    const layout = this.layout;
    if (!layout) return;
    const t0 = performance.now();
    let drawn = 0;
    const ctx = this.ctx;
    if (this.full) {
      this.full = false;
      this.dirty.clear();
      this.dirtyHeaders.clear();
      ctx.fillStyle = BG;
      ctx.fillRect(0, 0, layout.width, layout.height);
      this.drawStrip(layout);
      for (const block of layout.zones) {
        this.drawHeader(block);
        block.bays.forEach((bay, i) => {
          this.drawCell(layout, block, i, bay);
        });
        drawn += block.bays.length;
      }
    } else {
      for (const bay of this.dirty) {
        const w = this.where.get(bay);
        if (!w) continue;
        this.drawCell(layout, w.block, w.index, bay);
        drawn++;
      }
      this.dirty.clear();
      for (const zone of this.dirtyHeaders) {
        const block = layout.zones.find((b) => b.id === zone);
        if (block) this.drawHeader(block);
      }
      this.dirtyHeaders.clear();
    }
    this.stats.frames++;
    this.stats.cellsDrawn += drawn;
    const t1 = performance.now();
    this.stats.lastFrameMs = t1 - t0;
    this.stats.paintMs += t1 - t0;
    this.stats.lastFrameAt = t1;
  }

  private drawStrip(layout: MapLayout): void {
    const ctx = this.ctx;
    for (const z of layout.strip.zones) {
      const r = z.rect;
      ctx.fillStyle = '#1d2733';
      ctx.fillRect(r.x, r.y, r.w, r.h);
      ctx.strokeStyle = '#324050';
      ctx.lineWidth = 1;
      ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
      ctx.fillStyle = '#a9b6c4';
      ctx.font = `600 16px ${FONT}`;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      ctx.fillText(this.stripText(z), r.x + 10, r.y + r.h / 2, r.w - 20);
    }
  }

  private drawHeader(block: ZoneBlock): void {
    const ctx = this.ctx;
    const r = block.header;
    ctx.fillStyle = BG;
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.fillStyle = '#f4f7fa';
    ctx.font = `700 18px ${FONT}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.fillText(this.headerText(block.id), r.x + 2, r.y + r.h / 2, r.w - 4);
  }

  private drawCell(layout: MapLayout, block: ZoneBlock, index: number, bay: string): void {
    const ctx = this.ctx;
    const { x, y, w } = cellRect(layout, block, index);
    ctx.fillStyle = BG;
    ctx.fillRect(x, y, w, w);
    const v = this.model.views.get(bay);
    const colors = v ? STATE_COLORS[v.state] : UNKNOWN_COLOR;
    ctx.globalAlpha = this.model.filtering && !this.model.matches(bay) ? 0.15 : 1;
    ctx.fillStyle = colors.fill;
    ctx.fillRect(x, y, w, w);
    if (!v) {
      ctx.strokeStyle = '#374151';
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, w - 1, w - 1);
    } else if (v.state === 'blocked') {
      // A cross in the middle: blocked reads without colour.
      ctx.strokeStyle = '#f4f7fa';
      ctx.lineWidth = Math.max(1, w / 12);
      const a = w * 0.3;
      ctx.beginPath();
      ctx.moveTo(x + a, y + a);
      ctx.lineTo(x + w - a, y + w - a);
      ctx.moveTo(x + w - a, y + a);
      ctx.lineTo(x + a, y + w - a);
      ctx.stroke();
    } else if (v.state === 'overdue') {
      // A dark corner at the bottom right.
      ctx.fillStyle = '#000000';
      ctx.beginPath();
      ctx.moveTo(x + w, y + w * 0.55);
      ctx.lineTo(x + w, y + w);
      ctx.lineTo(x + w * 0.55, y + w);
      ctx.fill();
    }
    if (w >= 22 && v?.state !== 'blocked') {
      ctx.fillStyle = colors.text;
      ctx.font = `600 ${Math.floor(w * 0.34)}px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(Number(bay.slice(bay.indexOf('-') + 1))), x + w / 2, y + w / 2 + 1, w - 2);
    }
    if (bay === this.selectedBay) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3;
      ctx.strokeRect(x + 1.5, y + 1.5, w - 3, w - 3);
    }
    ctx.globalAlpha = 1;
  }
}

/**
 * Where each bay goes on the map: the zones with truck bays stacked top to bottom, each the full
 * width with a header line for its name and counts, its bays in rows in config order; the work
 * and living areas (no truck bays) as labels in a strip on top. The cell size is the largest
 * that fits every bay on one screen; zoomed in (`minPitch`), cells are at least that big and the
 * map is as tall as it needs (its box scrolls). Pure geometry, in CSS pixels.
 */
export interface ZoneInput {
  id: string;
  name: string;
  kind: string;
  bays: readonly string[];
}

export interface ZoneBlock {
  id: string;
  name: string;
  kind: string;
  /** Header band. */
  header: Rect;
  /** Top-left of the first cell. */
  x: number;
  y: number;
  cols: number;
  rows: number;
  bays: readonly string[];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MapLayout {
  width: number;
  height: number;
  /** Pitch of the grid (cell plus gap) and the drawn cell size. */
  pitch: number;
  cell: number;
  strip: Rect & { zones: { id: string; name: string; kind: string; rect: Rect }[] };
  zones: ZoneBlock[];
}

export const PAD = 8;
export const HEADER_H = 30;
export const ZONE_GAP = 8;
const STRIP_H = 34;
const MIN_PITCH = 6;
const MAX_PITCH = 72;

/** The pitch of the zoomed-in map: cells of 47 px (the pitch less its 10 % gap), big enough for a finger. */
export const ZOOM_PITCH = 52;

export function layoutMap(
  zones: readonly ZoneInput[],
  width: number,
  height: number,
  minPitch = MIN_PITCH,
): MapLayout {
  const withBays = zones.filter((z) => z.bays.length > 0);
  const without = zones.filter((z) => z.bays.length === 0);
  const stripH = without.length > 0 ? STRIP_H + ZONE_GAP : 0;
  const innerW = Math.max(1, width - 2 * PAD);
  const fits = (pitch: number) => {
    const cols = Math.max(1, Math.floor(innerW / pitch));
    let h = PAD + stripH;
    for (const z of withBays) h += HEADER_H + Math.ceil(z.bays.length / cols) * pitch + ZONE_GAP;
    return h <= height;
  };
  let pitch = minPitch;
  for (let p = Math.max(MAX_PITCH, minPitch); p >= minPitch; p--) {
    if (fits(p)) {
      pitch = p;
      break;
    }
  }
  const gap = Math.max(1, Math.round(pitch * 0.1));
  const cols = Math.max(1, Math.floor(innerW / pitch));

  const stripW = without.length > 0 ? innerW / without.length : 0;
  const strip = {
    x: PAD,
    y: PAD,
    w: innerW,
    h: stripH ? STRIP_H : 0,
    zones: without.map((z, i) => ({
      id: z.id,
      name: z.name,
      kind: z.kind,
      rect: { x: PAD + i * stripW, y: PAD, w: stripW - ZONE_GAP, h: STRIP_H },
    })),
  };
  let y = PAD + stripH;
  const blocks: ZoneBlock[] = [];
  for (const z of withBays) {
    const rows = Math.ceil(z.bays.length / cols);
    blocks.push({
      id: z.id,
      name: z.name,
      kind: z.kind,
      header: { x: PAD, y, w: innerW, h: HEADER_H },
      x: PAD,
      y: y + HEADER_H,
      cols,
      rows,
      bays: z.bays,
    });
    y += HEADER_H + rows * pitch + ZONE_GAP;
  }
  return { width, height: Math.max(height, y), pitch, cell: pitch - gap, strip, zones: blocks };
}

/** The cell of a bay (index within its zone). */
export function cellRect(layout: MapLayout, block: ZoneBlock, index: number): Rect {
  const col = index % block.cols;
  const row = Math.floor(index / block.cols);
  return { x: block.x + col * layout.pitch, y: block.y + row * layout.pitch, w: layout.cell, h: layout.cell };
}

/** The bay under a point, if any. */
export function bayAt(layout: MapLayout, x: number, y: number): string | undefined {
  for (const b of layout.zones) {
    if (y < b.y || y >= b.y + b.rows * layout.pitch || x < b.x) continue;
    const col = Math.floor((x - b.x) / layout.pitch);
    const row = Math.floor((y - b.y) / layout.pitch);
    if (col >= b.cols) return undefined;
    // In the gap between cells: nothing.
    if (x - b.x - col * layout.pitch > layout.cell || y - b.y - row * layout.pitch > layout.cell)
      return undefined;
    return b.bays[row * b.cols + col];
  }
  return undefined;
}

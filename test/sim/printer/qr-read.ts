import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is a CommonJS bundle typed with `export default`: under NodeNext the default import is the
// module object at type level, and the function or the module object at run time.
type JsQr = typeof jsqrModule.default;
const jsQR: JsQr = (jsqrModule as unknown as { default?: JsQr }).default ?? (jsqrModule as unknown as JsQr);

/** Reads the QR code on a PNG with jsQR (an independent decoder): its data and its width in dots. */
export function readQr(png: Buffer): { data: string; width: number } | undefined {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) return undefined;
  return { data: code.data, width: code.location.topRightCorner.x - code.location.topLeftCorner.x };
}

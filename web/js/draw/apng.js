// An animated PNG (APNG) of RGBA frames of one size, each shown `delayMs`: the PNG signature, IHDR (8-bit RGB),
// acTL (the frame count, looping forever), then for each frame an fcTL and its pixels (IDAT for the first, so
// that a viewer without APNG shows it; fdAT after), and IEND. Each frame is zlib-compressed by the browser's
// CompressionStream('deflate'), every scanline with filter 0. Written here rather than taken from a library:
// the page has no bundler or dependency, and the format needs only these chunks and a CRC-32.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A chunk: length, type, data, CRC of type and data. */
function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function u32s(...values) {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v));
  return out;
}

async function zlib(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** RGBA pixels of width × height as PNG scanlines of RGB, each with its filter byte (0). */
function scanlines(rgba, width, height) {
  const out = new Uint8Array(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + 3 * width);
    for (let x = 0; x < width; x++) {
      const s = 4 * (y * width + x);
      out.set([rgba[s], rgba[s + 1], rgba[s + 2]], row + 1 + 3 * x);
    }
  }
  return out;
}

/** frames: RGBA byte arrays of width × height. Returns the APNG as a Blob. */
export async function encodeApng(frames, width, height, delayMs) {
  const parts = [Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10)];
  const ihdr = new Uint8Array(13);
  ihdr.set(u32s(width, height));
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, filter method 0, no interlace
  parts.push(chunk('IHDR', ihdr), chunk('acTL', u32s(frames.length, 0)));
  let seq = 0;
  for (const [i, rgba] of frames.entries()) {
    const fctl = new Uint8Array(26);
    fctl.set(u32s(seq++, width, height, 0, 0));
    new DataView(fctl.buffer).setUint16(20, delayMs);
    new DataView(fctl.buffer).setUint16(22, 1000); // the delay in ms: numerator / 1000
    parts.push(chunk('fcTL', fctl)); // dispose 0, blend 0 (source): each frame replaces the last
    const data = await zlib(scanlines(rgba, width, height));
    if (i === 0) parts.push(chunk('IDAT', data));
    else {
      const fdat = new Uint8Array(4 + data.length);
      fdat.set(u32s(seq++));
      fdat.set(data, 4);
      parts.push(chunk('fdAT', fdat));
    }
  }
  parts.push(chunk('IEND', new Uint8Array(0)));
  return new Blob(parts, { type: 'image/apng' });
}

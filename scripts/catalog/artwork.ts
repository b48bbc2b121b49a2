/**
 * The demo catalog's product pictures: SVG artwork drawn for SecureCart by this code (no stock
 * photos, no licences to track). Each picture is 640×480 (PRODUCT_IMAGE_SIZE), flat shapes on a
 * soft background, no script, no external reference: the storefront serves the files from its own
 * distribution (`img-src 'self'`). `npm run images:products` writes them to
 * web/public/images/products/<name>.<hash>.svg; the hash makes the key change with the picture, so
 * the files are cached for a year (ADR 0024).
 */
import { createHash } from 'node:crypto';
import { PRODUCT_IMAGE_SIZE } from '@securecart/contracts/catalog';

const { width: W, height: H } = PRODUCT_IMAGE_SIZE;

/** The frame every picture shares: a two-tone background, a floor line and a soft shadow. */
function frame(name: string, top: string, bottom: string, shadow: { cx: number; rx: number }, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<title>${name}</title>`,
    `<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">`,
    `<stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>`,
    `<rect width="${W}" height="${H}" fill="url(#bg)"/>`,
    `<rect y="380" width="${W}" height="100" fill="#000" fill-opacity=".05"/>`,
    `<ellipse cx="${shadow.cx}" cy="392" rx="${shadow.rx}" ry="14" fill="#000" fill-opacity=".14"/>`,
    body,
    `</svg>`,
    '',
  ].join('\n');
}

const mug = frame(
  'Stoneware mug',
  '#f4efe6',
  '#e6dccb',
  { cx: 320, rx: 150 },
  [
    // handle, body, glaze line, rim, coffee, steam
    `<path d="M400 200 q90 0 90 70 q0 70 -90 70" fill="none" stroke="#3f5e73" stroke-width="26"/>`,
    `<path d="M200 150 h210 v200 q0 40 -40 40 h-130 q-40 0 -40 -40 z" fill="#4d7590"/>`,
    `<path d="M200 290 h210 v60 q0 40 -40 40 h-130 q-40 0 -40 -40 z" fill="#d9cbb4"/>`,
    `<ellipse cx="305" cy="150" rx="105" ry="20" fill="#3f5e73"/>`,
    `<ellipse cx="305" cy="152" rx="92" ry="14" fill="#5b3a29"/>`,
    `<path d="M270 120 q-20 -30 0 -60 M310 115 q-20 -30 0 -60 M350 120 q-20 -30 0 -60" fill="none" stroke="#fff" stroke-opacity=".8" stroke-width="8" stroke-linecap="round"/>`,
  ].join('\n'),
);

const tee = frame(
  'Organic cotton T-shirt',
  '#eef3ee',
  '#d7e3d6',
  { cx: 320, rx: 170 },
  [
    `<path d="M250 70 q70 40 140 0 l120 50 l-40 90 l-50 -20 v190 h-200 v-190 l-50 20 l-40 -90 z" fill="#2f6b4f"/>`,
    `<path d="M250 70 q70 40 140 0 q-10 40 -70 42 q-60 -2 -70 -42 z" fill="#245640"/>`,
    `<path d="M270 300 h100" stroke="#fff" stroke-opacity=".5" stroke-width="6" stroke-linecap="round"/>`,
    `<circle cx="320" cy="230" r="34" fill="none" stroke="#f2e8c9" stroke-width="8"/>`,
    `<path d="M306 230 l10 10 l20 -22" fill="none" stroke="#f2e8c9" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"/>`,
  ].join('\n'),
);

const tote = frame(
  'Canvas tote bag',
  '#f6efe4',
  '#eadfcd',
  { cx: 320, rx: 160 },
  [
    `<path d="M260 170 q0 -110 60 -110 q60 0 60 110" fill="none" stroke="#8a6a45" stroke-width="16"/>`,
    `<path d="M190 170 h260 l20 215 h-300 z" fill="#e9dcc2" stroke="#c9b48f" stroke-width="4"/>`,
    `<rect x="190" y="170" width="260" height="26" fill="#d8c6a3"/>`,
    `<path d="M250 300 q70 -70 140 0" fill="none" stroke="#b5532f" stroke-width="14" stroke-linecap="round"/>`,
    `<circle cx="320" cy="280" r="16" fill="#b5532f"/>`,
  ].join('\n'),
);

const lamp = frame(
  'Desk lamp',
  '#eef0f6',
  '#d9dde9',
  { cx: 300, rx: 130 },
  [
    `<path d="M330 110 L470 70 l40 90 z" fill="#fff3c4" fill-opacity=".55"/>`,
    `<rect x="210" y="360" width="180" height="26" rx="13" fill="#2d3142"/>`,
    `<path d="M300 362 L240 230 L350 120" fill="none" stroke="#2d3142" stroke-width="16" stroke-linecap="round" stroke-linejoin="round"/>`,
    `<circle cx="240" cy="230" r="14" fill="#e0a526"/>`,
    `<circle cx="350" cy="120" r="14" fill="#e0a526"/>`,
    `<path d="M340 90 l90 -10 l30 80 l-90 40 z" fill="#e0a526"/>`,
    `<ellipse cx="413" cy="158" rx="46" ry="12" transform="rotate(-25 413 158)" fill="#fff6d6"/>`,
  ].join('\n'),
);

const chair = frame(
  'Oak chair',
  '#f3efe9',
  '#e2d9cc',
  { cx: 320, rx: 140 },
  [
    `<rect x="235" y="60" width="20" height="330" rx="8" fill="#a9743f"/>`,
    `<rect x="385" y="60" width="20" height="330" rx="8" fill="#a9743f"/>`,
    `<rect x="235" y="80" width="170" height="22" rx="8" fill="#c08a52"/>`,
    `<rect x="235" y="130" width="170" height="16" rx="6" fill="#c08a52"/>`,
    `<rect x="215" y="230" width="210" height="30" rx="10" fill="#c99a63"/>`,
    `<rect x="220" y="260" width="20" height="130" rx="8" fill="#94622f"/>`,
    `<rect x="400" y="260" width="20" height="130" rx="8" fill="#94622f"/>`,
    `<rect x="240" y="330" width="160" height="12" rx="6" fill="#94622f"/>`,
  ].join('\n'),
);

const print = frame(
  'Art print, A3',
  '#f1f1f1',
  '#dcdcdc',
  { cx: 320, rx: 130 },
  [
    `<rect x="205" y="50" width="230" height="330" fill="#2b2b2b"/>`,
    `<rect x="220" y="65" width="200" height="300" fill="#fbf7ee"/>`,
    `<rect x="240" y="85" width="160" height="220" fill="#f0c9a0"/>`,
    `<circle cx="355" cy="140" r="30" fill="#e2553f"/>`,
    `<path d="M240 305 L300 200 L340 250 L370 215 L400 305 z" fill="#2f5d62"/>`,
    `<path d="M240 305 L280 255 L320 305 z" fill="#5e8b7e"/>`,
    `<path d="M260 335 h120" stroke="#2b2b2b" stroke-width="4"/>`,
  ].join('\n'),
);

/** Artwork name → SVG text. */
export const ARTWORK = { mug, tee, tote, lamp, chair, print } as const;
export type ArtworkName = keyof typeof ARTWORK;

/** The image key of a picture: its name and the first 8 hex digits of its SHA-256 (IMAGE_KEY_PATTERN). */
export const imageKeyOf = (name: ArtworkName): string =>
  `${name}.${createHash('sha256').update(ARTWORK[name]).digest('hex').slice(0, 8)}`;

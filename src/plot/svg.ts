/**
 * Minimal SVG building: XML escaping, elements from attribute records, series colours.
 * @module
 */

/** Attribute values; `undefined` attributes are left out. */
export type Attrs = Readonly<Record<string, string | number | undefined>>

/**
 * Escapes text for XML content and attribute values: `&`, `<`, `>`, `"` and `'` become entities,
 * and characters XML 1.0 forbids (control characters other than tab, newline, carriage return;
 * lone surrogates) become U+FFFD.
 * @example
 * import { escapeXml } from 'kiln'
 * escapeXml('<script>alert("x & y")</script>') // '&lt;script&gt;alert(&quot;x &amp; y&quot;)&lt;/script&gt;'
 */
export const escapeXml = (s: string): string =>
  s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')

/**
 * Formats a coordinate: at most 2 decimals, no trailing zeros, no `-0`.
 * @example
 * import { coord } from './svg.js'
 * coord(12.3456) // '12.35'
 * coord(-0.001) // '0'
 */
export const coord = (v: number): string => {
  const r = Math.round(v * 100) / 100
  return String(r === 0 ? 0 : r)
}

const attrText = (attrs: Attrs): string =>
  Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? coord(v) : escapeXml(v)}"`)
    .join('')

/**
 * An SVG element. `children` is already-built markup (use `text` for escaped text); with no
 * children the element self-closes. Numeric attributes are rounded to 2 decimals.
 * @example
 * import { el, text } from './svg.js'
 * el('line', { x1: 0, y1: 1.234, stroke: 'red' }) // '<line x1="0" y1="1.23" stroke="red"/>'
 * el('text', { x: 5 }, text('a < b')) // '<text x="5">a &lt; b</text>'
 */
export const el = (tag: string, attrs: Attrs = {}, ...children: readonly string[]): string =>
  children.length === 0 ? `<${tag}${attrText(attrs)}/>` : `<${tag}${attrText(attrs)}>${children.join('')}</${tag}>`

/**
 * Escaped text content, for use as a child of {@link el}.
 * @example
 * import { text } from './svg.js'
 * text('"quoted" & <tagged>') // '&quot;quoted&quot; &amp; &lt;tagged&gt;'
 */
export const text = (s: string): string => escapeXml(s)

/** Matplotlib's tab10 palette: ten distinct colours. */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf']

/**
 * The colour of series `i`: tab10 for the first ten, then golden-angle hues.
 * @example
 * import { seriesColor } from 'kiln'
 * seriesColor(0) // '#1f77b4'
 * seriesColor(10) // 'hsl(0, 65%, 42%)'
 */
export const seriesColor = (i: number): string =>
  i < TAB10.length ? TAB10[i]! : `hsl(${Math.round(((i - TAB10.length) * 137.508) % 360)}, 65%, 42%)`

/** Approximate advance widths in em of common sans-serif glyphs (Helvetica / DejaVu Sans). */
const emWidth = (c: string): number =>
  /[mwMW@%]/.test(c) ? 0.92
    : /[iljtfI.,:;'!|()[\] ]/.test(c) ? 0.34
      : /[A-Z]/.test(c) ? 0.72
        : /[0-9]/.test(c) ? 0.62
          : 0.6

/**
 * A rough (slightly generous) width in pixels of `s` in a sans-serif font of `size` px, from
 * per-glyph estimates, used for layout without a font engine.
 * @example
 * import { textWidth } from './svg.js'
 * textWidth('0.5', 10) // 15.8
 * textWidth('mm', 10) // 18.4
 */
export const textWidth = (s: string, size: number): number =>
  Math.round([...s].reduce((w, c) => w + emWidth(c), 0) * size * 100) / 100

/**
 * Shortens `s` to at most `max` characters, ending in `…` when cut.
 * @example
 * import { truncate } from './svg.js'
 * truncate('stochastic gradient descent', 10) // 'stochasti…'
 */
export const truncate = (s: string, max: number): string => {
  const cs = [...s]
  return cs.length <= max ? s : `${cs.slice(0, Math.max(0, max - 1)).join('')}…`
}

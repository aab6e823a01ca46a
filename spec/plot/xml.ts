/**
 * A small well-formedness checker for the SVG we emit: one root element, balanced tags, quoted
 * attributes, no raw `<` or stray `&` in text or attribute values.
 */

export interface XmlElement {
  readonly tag: string
  readonly attrs: Readonly<Record<string, string>>
  /** Concatenated text directly inside the element (entities decoded). */
  readonly text: string
}

export interface XmlCheck {
  readonly root: string
  readonly elements: readonly XmlElement[]
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g

const decode = (s: string): string =>
  s.replace(ENTITY, (e) =>
    e === '&amp;' ? '&' : e === '&lt;' ? '<' : e === '&gt;' ? '>' : e === '&quot;' ? '"' : e === '&apos;' ? "'"
      : String.fromCodePoint(e.startsWith('&#x') ? parseInt(e.slice(3, -1), 16) : parseInt(e.slice(2, -1), 10)),
  )

const checkText = (s: string, where: string): void => {
  if (s.includes('<')) throw new Error(`raw '<' in ${where}`)
  if (s.replace(ENTITY, '').includes('&')) throw new Error(`stray '&' in ${where}`)
}

/** Parses `xml`, throwing on the first well-formedness problem. */
export const checkXml = (xml: string): XmlCheck => {
  const elements: XmlElement[] = []
  const stack: { tag: string; attrs: Record<string, string>; text: string }[] = []
  let roots = 0
  let root = ''
  let i = 0
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const chunk = lt < 0 ? xml.slice(i) : xml.slice(i, lt)
    if (stack.length === 0 && chunk.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(chunk.slice(0, 20))}`)
    checkText(chunk, 'text')
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(chunk)
    if (lt < 0) break
    const gt = xml.indexOf('>', lt)
    if (gt < 0) throw new Error('unterminated tag')
    const tag = xml.slice(lt + 1, gt)
    i = gt + 1
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim()
      const open = stack.pop()
      if (open?.tag !== name) throw new Error(`</${name}> closes <${open?.tag ?? 'nothing'}>`)
      elements.push(open)
      continue
    }
    const selfClosing = tag.endsWith('/')
    const body = selfClosing ? tag.slice(0, -1) : tag
    const m = /^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*$/.exec(body)
    if (!m) throw new Error(`malformed tag <${tag}>`)
    const attrs: Record<string, string> = {}
    for (const a of m[2]!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} in <${m[1]}>`)
      checkText(a[2]!, `attribute ${a[1]} of <${m[1]}>`)
      attrs[a[1]!] = decode(a[2]!)
    }
    if (stack.length === 0) {
      roots++
      root = m[1]!
      if (roots > 1) throw new Error('more than one root element')
    }
    if (selfClosing) elements.push({ tag: m[1]!, attrs, text: '' })
    else stack.push({ tag: m[1]!, attrs, text: '' })
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.tag}>`)
  if (roots !== 1) throw new Error('no root element')
  return { root, elements }
}

/** The points of an SVG path made of `M x y` / `L x y` commands. */
export const pathPoints = (d: string): [number, number][] =>
  [...d.matchAll(/[ML]\s*(-?[\d.e+-]+)[ ,]\s*(-?[\d.e+-]+)/g)].map((m) => [Number(m[1]), Number(m[2])])

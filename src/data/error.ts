/**
 * `DataError`: the error value (never thrown) of every data-loading, decoding and splitting function.
 * Each variant carries a complete human-readable `message`; the other fields are for programs.
 * @module
 */

/** A problem reading or decoding data, or an impossible split. */
export type DataError =
  /** A file could not be read (missing, unreadable, not gzip although it looks like it). */
  | { readonly _tag: 'FileError'; readonly path: string; readonly message: string }
  /** A CSV line is malformed; `line` and `column` are 1-based (`column` absent for line-level errors). */
  | { readonly _tag: 'ParseError'; readonly line: number; readonly column?: number; readonly message: string }
  /** A binary or header layout is wrong (IDX magic, truncated file, dimensions, header counts). */
  | { readonly _tag: 'FormatError'; readonly message: string }
  /** Options failed validation; `field` names the offending option. */
  | { readonly _tag: 'OptionsError'; readonly field: string; readonly message: string }
  /** A label is outside its valid range; `index` is the row (0-based). */
  | { readonly _tag: 'LabelError'; readonly index: number; readonly label: number; readonly message: string }
  /** A split is impossible as asked (a class left empty in a part, too few rows, bad fractions). */
  | { readonly _tag: 'SplitError'; readonly message: string }
  /** Decoded data would pass a size bound (`maxInflatedBytes`, or the longest string the platform makes): `limit` bytes. */
  | { readonly _tag: 'LimitError'; readonly limit: number; readonly message: string }

/**
 * Constructors for `DataError` variants.
 * @example
 * import { dataError } from 'kiln'
 * dataError.format('bad magic').message // 'bad magic'
 */
export const dataError = {
  file: (path: string, message: string): DataError => ({ _tag: 'FileError', path, message }),
  parse: (line: number, column: number | undefined, message: string): DataError =>
    column === undefined ? { _tag: 'ParseError', line, message } : { _tag: 'ParseError', line, column, message },
  format: (message: string): DataError => ({ _tag: 'FormatError', message }),
  options: (field: string, message: string): DataError => ({ _tag: 'OptionsError', field, message }),
  label: (index: number, label: number, message: string): DataError => ({ _tag: 'LabelError', index, label, message }),
  split: (message: string): DataError => ({ _tag: 'SplitError', message }),
  limit: (limit: number, message: string): DataError => ({ _tag: 'LimitError', limit, message }),
} as const

/**
 * Prefixes an error's message with its source (a file path), keeping the variant and fields.
 * @example
 * import { dataError, inSource } from 'kiln'
 * inSource('a.csv')(dataError.format('empty file')).message // 'a.csv: empty file'
 */
export const inSource =
  (source: string) =>
  (e: DataError): DataError => ({ ...e, message: `${source}: ${e.message}` })

/** What `f` threw, or undefined when it returned: for asserting on an error's type and fields. */
export const caught = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

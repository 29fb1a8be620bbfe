// Every failure of the public API is a BertError with a stable `code`.
export class BertError extends Error {
  /**
   * @param {string} code e.g. 'E_NO_MASK', 'E_BAD_WEIGHTS', 'E_TOO_LONG', 'E_DISPOSED', 'E_FETCH'
   * @param {string} message what went wrong, naming the file, field or argument
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'BertError';
    this.code = code;
  }
}

// The engine answers {ok: false, code: 'NO_MASK', message} on failure; this unwraps or throws.
export function unwrap(result) {
  if (!result.ok) throw new BertError(`E_${result.code}`, result.message);
  return result;
}

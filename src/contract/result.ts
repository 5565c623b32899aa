/**
 * What an operation that can fail for a reason it states returns, instead of throwing: its
 * value, or why not. The reason is one message unless a caller needs more (several lines, a
 * position). A user's step that fails is not one of these: it is a step outcome (`failStep`).
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

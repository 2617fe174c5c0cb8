/**
 * What the notebook renderer posts to the extension host (VS Code's renderer messaging,
 * optional: a notebook opened without the extension has no `postMessage`). One `type`-keyed
 * union, handled exhaustively by the host.
 */

/** Open the error inspector on one sentence (sent by a click on an alignment point). */
export interface OpenErrorsMessage {
  type: 'openErrors';
  sentenceId: string;
}

export type RendererMessage = OpenErrorsMessage;

export function isRendererMessage(m: unknown): m is RendererMessage {
  const o = m as Partial<OpenErrorsMessage> | null;
  return typeof o === 'object' && o !== null && o.type === 'openErrors' && typeof o.sentenceId === 'string';
}

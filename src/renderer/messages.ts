/**
 * What the renderer posts to the extension host (VS Code's renderer messaging, optional: a
 * notebook opened without the extension has no `postMessage`). Kept to one `type`-keyed union so
 * the host can handle it exhaustively.
 */

/** Open the error inspector on one sentence (sent by a click on an alignment point). */
export interface OpenErrorsMessage {
  type: 'openErrors';
  sentenceId: string;
}

export type RendererMessage = OpenErrorsMessage;

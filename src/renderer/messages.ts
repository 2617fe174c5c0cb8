/** The renderer → host messages are declared once, in core/protocol (see renderer.ts there). */
export type { OpenErrorsMessage, RendererMessage } from '../core/protocol/renderer.js';

/** The messages and MIME types shared by the extension host, the kernel process and the renderer. */
export * from './kernel.js';
export * from './mime.js';
export * from './renderer.js';

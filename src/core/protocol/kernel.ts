/**
 * The messages between the extension host and a notebook's kernel process (one Node child per
 * notebook, JSON over Node's IPC channel). A `type`-keyed union, handled exhaustively on both
 * sides; `isHostMessage` / `isKernelMessage` check what arrives before it is trusted.
 */

/** One output item: a MIME type and its data (text, or base64 for binary types such as image/png). */
export interface OutputItem {
  mime: string;
  data: string;
  /** `base64` for binary data; default `utf8`. */
  encoding?: 'utf8' | 'base64';
}

export type CellLanguage = 'javascript' | 'typescript';

// ---- host → kernel ----

export interface ExecuteRequest {
  type: 'execute';
  /** Correlates every reply of this execution. */
  id: string;
  code: string;
  language: CellLanguage;
  /** Shown in stack traces, e.g. the cell's URI or `Cell 3`. */
  cellName: string;
}

/** Stop the running cell (a running training saves a checkpoint and stops cleanly). */
export interface InterruptRequest {
  type: 'interrupt';
}

export interface ShutdownRequest {
  type: 'shutdown';
}

export type HostMessage = ExecuteRequest | InterruptRequest | ShutdownRequest;

// ---- kernel → host ----

export interface ReadyMessage {
  type: 'ready';
  pid: number;
  /** The mmner version and TensorFlow.js backend the kernel runs, for the status bar. */
  version: string;
  backend?: string;
}

/** `display(...)` or a live view: a new output, or a replacement of `outputId` (progress). */
export interface DisplayMessage {
  type: 'display';
  id: string;
  outputId: string;
  items: OutputItem[];
  /** Replace the output with this id instead of appending. */
  update?: boolean;
}

export interface StreamMessage {
  type: 'stream';
  id: string;
  name: 'stdout' | 'stderr';
  text: string;
}

/** The cell's failure, with the stack mapped to the user's own cell lines. */
export interface ErrorMessage {
  type: 'error';
  id: string;
  name: string;
  message: string;
  stack: string;
}

export interface DoneMessage {
  type: 'done';
  id: string;
  status: 'ok' | 'error' | 'interrupted';
  /** The value of the cell's last expression, as output items (absent when undefined). */
  result?: OutputItem[];
}

export type KernelMessage = ReadyMessage | DisplayMessage | StreamMessage | ErrorMessage | DoneMessage;

const HOST_TYPES: ReadonlySet<string> = new Set(['execute', 'interrupt', 'shutdown']);
const KERNEL_TYPES: ReadonlySet<string> = new Set(['ready', 'display', 'stream', 'error', 'done']);

function typed(m: unknown): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

export function isHostMessage(m: unknown): m is HostMessage {
  if (!typed(m) || !HOST_TYPES.has(m.type)) return false;
  if (m.type !== 'execute') return true;
  const e = m as Partial<ExecuteRequest>;
  return (
    typeof e.id === 'string' &&
    typeof e.code === 'string' &&
    (e.language === 'javascript' || e.language === 'typescript') &&
    typeof e.cellName === 'string'
  );
}

export function isKernelMessage(m: unknown): m is KernelMessage {
  return typed(m) && KERNEL_TYPES.has(m.type);
}

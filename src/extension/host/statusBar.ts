/**
 * The status bar item: which backend mmner uses and which job runs ("mmner: wasm · training
 * runs/x 40%"). A click picks another backend.
 */
import * as vscode from 'vscode';
import { COMMANDS } from './contributions.js';
import { type RunningJob, statusText } from './statusText.js';

export class MmnerStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private backend: string;
  private job?: RunningJob;

  constructor(backend: string) {
    this.backend = backend;
    this.item = vscode.window.createStatusBarItem('mmner.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'mmner';
    this.item.command = 'mmner.selectBackend';
    this.render();
    this.item.show();
  }

  setBackend(backend: string): void {
    this.backend = backend;
    this.render();
  }

  /** Shows a running job, or none. */
  setJob(job: RunningJob | undefined): void {
    this.job = job;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const text = statusText(this.backend, this.job);
    this.item.text = `${this.job ? '$(sync~spin)' : '$(beaker)'} ${text}`;
    this.item.tooltip = `${text}\nClick: ${COMMANDS['mmner.selectBackend']}`;
  }
}

/**
 * What the command pickers offer: the datasets under the data folder (folders with a
 * dataset.json) and the runs under the runs folder (folders with a config.json), newest first,
 * with the eval splits each run has. No `vscode` import.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface FolderEntry {
  /** Absolute path. */
  path: string;
  /** Relative to the workspace, for display. */
  label: string;
  modified: number;
}

export interface RunEntry extends FolderEntry {
  /** Splits with an eval/<split>.json, e.g. ['dev', 'test']. */
  evaluated: string[];
  /** A report was written (report/index.html). */
  hasReport: boolean;
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

/** Folders holding `marker`: `dir` itself and its children, up to `depth` levels, newest first. */
async function foldersWith(
  workspace: string,
  dir: string,
  marker: string,
  depth: number,
): Promise<FolderEntry[]> {
  const found: FolderEntry[] = [];
  let level = [dir];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const folder of level) {
      const modified = await mtime(join(folder, marker));
      if (modified !== undefined)
        found.push({ path: folder, label: relative(workspace, folder) || '.', modified });
      else next.push(...(await subfolders(folder)));
    }
    level = next;
  }
  return found.sort((a, b) => b.modified - a.modified || a.label.localeCompare(b.label));
}

/** Datasets (dataset.json) in `dataDir` and up to two levels below it. */
export function listDatasets(workspace: string, dataDir: string): Promise<FolderEntry[]> {
  return foldersWith(workspace, dataDir, 'dataset.json', 2);
}

/** Runs (config.json) in `runsDir` and up to two levels below it (runs/demo/multimodal). */
export async function listRuns(workspace: string, runsDir: string): Promise<RunEntry[]> {
  const runs = await foldersWith(workspace, runsDir, 'config.json', 2);
  return Promise.all(
    runs.map(async (run) => {
      let evaluated: string[] = [];
      try {
        evaluated = (await readdir(join(run.path, 'eval')))
          .filter((f) => f.endsWith('.json'))
          .map((f) => f.slice(0, -'.json'.length))
          .sort();
      } catch {}
      const hasReport = (await mtime(join(run.path, 'report', 'index.html'))) !== undefined;
      // A run's events.jsonl changes while it trains: it says how recent the run is.
      const modified = Math.max(run.modified, (await mtime(join(run.path, 'events.jsonl'))) ?? 0);
      return { ...run, modified, evaluated, hasReport };
    }),
  ).then((r) => r.sort((a, b) => b.modified - a.modified || a.label.localeCompare(b.label)));
}

/**
 * Loads a BERT text encoder from a local Hugging Face model folder: config.json (architecture),
 * the tokenizer (tokenizer.json, else vocab.txt with tokenizer_config.json) and the weights
 * (model.safetensors or a sharded model.safetensors.index.json). Every missing file or
 * mismatch is one MmnerError that names the path and says what to do.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MmnerError } from '../../core/errors.js';
import { WordPieceTokenizer } from '../../core/tokenize/wordpiece.js';
import { loadMapped } from '../weights/mapping.js';
import { openCheckpoint } from '../weights/safetensors.node.js';
import {
  type BertArchitecture,
  type BertConfig,
  BertEncoder,
  bertArchitectureFromHf,
  bertWeightSpec,
  resolveBertConfig,
} from './bert.js';

/** What the user may choose on top of the folder's architecture. */
export type BertFolderOptions = Partial<
  Pick<BertConfig, 'layer' | 'frozen' | 'seed' | 'hiddenDropout' | 'attentionDropout'>
>;

export const FOLDER_HINT =
  'download it with `huggingface-cli download bert-base-multilingual-cased config.json model.safetensors tokenizer.json tokenizer_config.json --local-dir DIR`, ' +
  'or point --text-model at a folder with config.json, model.safetensors and tokenizer.json or vocab.txt';

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MmnerError(
      code === 'ENOENT' ? 'E_FILE_NOT_FOUND' : 'E_FILE_UNREADABLE',
      code === 'ENOENT' ? `the model folder has no ${what}` : `cannot read ${what}: ${(e as Error).message}`,
      { file: path, hint: FOLDER_HINT, cause: e },
    );
  }
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MmnerError('E_MODEL_CONFIG', `${what} is not valid JSON (${(e as Error).message})`, {
      file: path,
      hint: 're-download the file',
      cause: e,
    });
  }
}

async function checkFolder(folder: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(folder)).isDirectory();
  } catch (e) {
    throw new MmnerError('E_FILE_NOT_FOUND', `no such model folder: ${folder}`, {
      hint: FOLDER_HINT,
      cause: e,
    });
  }
  if (!isDir) {
    throw new MmnerError('E_FILE_NOT_FOUND', `${folder} is a file, not a model folder`, {
      hint: FOLDER_HINT,
    });
  }
}

/** The architecture in `folder/config.json`. */
export async function readBertArchitecture(folder: string): Promise<BertArchitecture> {
  await checkFolder(folder);
  const path = join(folder, 'config.json');
  return bertArchitectureFromHf(await readJson(path, 'config.json'), path);
}

/**
 * The folder's tokenizer: tokenizer.json when present (its normalizer decides the casing), else
 * vocab.txt with tokenizer_config.json's do_lower_case / strip_accents / tokenize_chinese_chars.
 * Without tokenizer_config.json the casing is read off the vocabulary: a vocabulary with
 * upper-case entries belongs to a cased model (lower-casing would make them unreachable).
 */
export async function readBertTokenizer(folder: string): Promise<WordPieceTokenizer> {
  await checkFolder(folder);
  const jsonPath = join(folder, 'tokenizer.json');
  if (await exists(jsonPath)) {
    return WordPieceTokenizer.fromTokenizerJson(await readText(jsonPath, 'tokenizer.json'), {}, jsonPath);
  }
  const vocabPath = join(folder, 'vocab.txt');
  if (!(await exists(vocabPath))) {
    throw new MmnerError('E_FILE_NOT_FOUND', 'the model folder has neither tokenizer.json nor vocab.txt', {
      file: folder,
      hint: FOLDER_HINT,
    });
  }
  const text = await readText(vocabPath, 'vocab.txt');
  const configPath = join(folder, 'tokenizer_config.json');
  const config = (await exists(configPath))
    ? (((await readJson(configPath, 'tokenizer_config.json')) as Record<string, unknown> | null) ?? {})
    : {};
  const flag = (key: string) => (typeof config[key] === 'boolean' ? (config[key] as boolean) : undefined);
  const lowercase = flag('do_lower_case') ?? !hasUpperCaseEntries(text);
  return WordPieceTokenizer.fromVocabText(
    text,
    {
      lowercase,
      stripAccents: flag('strip_accents') ?? lowercase,
      splitCjk: flag('tokenize_chinese_chars') ?? true,
    },
    vocabPath,
  );
}

/** Any vocabulary entry, besides [BRACKETED] specials, with a letter that lower-casing changes. */
function hasUpperCaseEntries(vocabText: string): boolean {
  return vocabText.split('\n').some((t) => !(t.startsWith('[') && t.endsWith(']')) && t !== t.toLowerCase());
}

/**
 * The BERT encoder of a Hugging Face folder. Weight names may carry the `bert.` prefix or not;
 * pooler, pretraining heads and buffers such as `position_ids` are left unused.
 */
export async function loadBertFolder(folder: string, options: BertFolderOptions = {}): Promise<BertEncoder> {
  const arch = await readBertArchitecture(folder);
  const tokenizer = await readBertTokenizer(folder);
  const config: Partial<BertConfig> = {
    ...arch,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  if (tokenizer.vocabSize > arch.vocabSize) {
    throw new MmnerError(
      'E_MODEL_CONFIG',
      `the tokenizer has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ${arch.vocabSize}`,
      {
        file: folder,
        hint: 'the tokenizer files and the model come from different models: re-download the folder',
      },
    );
  }
  // Validates `layer` and the rest before any weight is read.
  const spec = bertWeightSpec(resolveBertConfig(config));
  const checkpoint = await openCheckpoint(folder);
  try {
    const weights = await loadMapped(checkpoint, spec, { what: 'the BERT text encoder' });
    return new BertEncoder(tokenizer, config, weights);
  } finally {
    await checkpoint.close();
  }
}

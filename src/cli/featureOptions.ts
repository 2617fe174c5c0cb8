/** `--feature-cache` and `--onnx-provider`, shared by train and eval (runs with ONNX image branches). */
import { ONNX_PROVIDERS, type OnnxProviderChoice } from '../onnx/session.js';
import { choiceOption } from './command.js';

export function featureOptions(
  command: string,
  values: { 'feature-cache'?: string | boolean | undefined; 'onnx-provider'?: string | boolean | undefined },
): { featureCache?: string; onnxProvider: OnnxProviderChoice } {
  const cache = values['feature-cache'];
  const provider = values['onnx-provider'];
  return {
    ...(typeof cache === 'string' ? { featureCache: cache } : {}),
    onnxProvider: choiceOption<OnnxProviderChoice>(
      command,
      'onnx-provider',
      typeof provider === 'string' ? provider : undefined,
      ONNX_PROVIDERS,
      'auto',
    ),
  };
}

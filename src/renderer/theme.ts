/**
 * Charts in the notebook's colours. VS Code exposes its theme to the output webview as CSS
 * variables (`--vscode-editor-foreground`, …); they are read when a chart is drawn and mapped
 * into a vega config that overrides the colours and font the chart builders bake in (the report's
 * white page), so the same spec reads in light, dark and high-contrast themes. Data colours (the
 * language palette) stay as they are: they mean the same thing everywhere.
 */

export interface ChartTheme {
  foreground: string;
  muted: string;
  background: string;
  /** The plot frame. */
  border: string;
  /** Axis lines and ticks. */
  axis: string;
  grid: string;
  gridOpacity: number;
  font: string;
  /** Whether the background is dark (for the tooltip's style). */
  dark: boolean;
}

function cssVar(style: CSSStyleDeclaration, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = style.getPropertyValue(name).trim();
    if (v) return v;
  }
  return undefined;
}

/** Relative luminance of a `#rgb`/`#rrggbb`/`rgb()` colour, or undefined for anything else. */
export function luminance(color: string): number | undefined {
  let rgb: number[] | undefined;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim())?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex.slice(0, 6);
    rgb = [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16));
  } else {
    const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color.trim());
    if (m) rgb = [m[1], m[2], m[3]].map(Number);
  }
  if (!rgb) return undefined;
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The theme of the element's context (the variables inherit into shadow roots). */
export function readTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const foreground = cssVar(style, '--vscode-editor-foreground', '--vscode-foreground') ?? '#1f2328';
  const background = cssVar(style, '--vscode-editor-background') ?? 'transparent';
  // High-contrast themes define contrastBorder; the other themes leave it empty.
  const contrast = cssVar(style, '--vscode-contrastBorder');
  const border =
    contrast ?? cssVar(style, '--vscode-editorWidget-border', '--vscode-panel-border') ?? '#d0d7de';
  const bgLum = luminance(background);
  const fgLum = luminance(foreground);
  const dark = bgLum !== undefined ? bgLum < 0.4 : fgLum !== undefined && fgLum > 0.5;
  const muted = cssVar(style, '--vscode-descriptionForeground') ?? foreground;
  return {
    foreground,
    muted,
    background,
    // Panel borders are nearly the background in dark themes: the frame uses them, axes do not.
    border,
    axis: contrast ?? muted,
    // Grid lines: the foreground, faint, so they read on any background (solid in high contrast).
    grid: contrast ?? foreground,
    gridOpacity: contrast ? 0.6 : 0.15,
    font: cssVar(style, '--vscode-font-family') ?? 'sans-serif',
    dark,
  };
}

/** The vega(-lite) config keys that carry colour and font, from the theme. */
export function themeConfig(t: ChartTheme): Record<string, unknown> {
  const label = { labelColor: t.foreground, titleColor: t.foreground };
  return {
    background: t.background,
    font: t.font,
    title: { color: t.foreground, subtitleColor: t.muted },
    axis: { ...label, domainColor: t.axis, tickColor: t.axis, gridColor: t.grid, gridOpacity: t.gridOpacity },
    // The base colour is that of legend symbols no colour encoding fills (a shape legend's).
    legend: { ...label, symbolBaseFillColor: t.foreground, symbolBaseStrokeColor: t.foreground },
    header: label,
    view: { stroke: t.border },
    text: { color: t.foreground },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `base` with `over` merged in, recursively for plain objects; `over` wins. Neither is changed. */
export function mergeConfig(base: unknown, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) ? mergeConfig(out[k], v) : v;
  return out;
}

/**
 * A copy of a vega-lite spec in the theme's colours: the spec's own background and config colours
 * give way to the theme's, everything else (data, marks, sizes) is kept. `usermeta` is dropped:
 * through it a spec could set its own embed options (a loader, actions, the renderer).
 */
export function themedSpec(spec: Record<string, unknown>, theme: ChartTheme): Record<string, unknown> {
  const { usermeta: _dropped, ...rest } = spec;
  const config = themeConfig(theme);
  return { ...rest, background: config.background, config: mergeConfig(rest.config, config) };
}

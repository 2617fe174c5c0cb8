/** A vega-lite chart (`ChartPayload`), drawn as SVG in the notebook's theme. */
import { html } from '../../viz/html/escape.js';
import { required, setMarkup, warningNote } from '../dom.js';
import { drawChart } from '../embed.js';
import { chartPayload } from '../payload.js';
import type { View } from './view.js';

export const renderChart: View = async (value, element, context) => {
  const payload = chartPayload(value);
  setMarkup(
    element,
    html`<div class="mm-chart" role="figure"${payload.title ? html` aria-label="${payload.title}"` : ''}></div>`,
  );
  const { result, warnings } = await drawChart(required(element, '.mm-chart'), payload.spec);
  context.onDispose(() => result.finalize());
  element.append(...warningNote(warnings));
};

// Colour-blind-safe palettes (kept apart from echarts.ts so importing them does not load the library).

/** Viridis, a perceptually uniform palette readable with every common colour-vision deficiency. */
export const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725']
/** Okabe–Ito colours for lines (colour-blind safe): strategy, buy-and-hold, drawdown. */
export const LINES = { strategy: '#0072B2', bnh: '#E69F00', drawdown: '#D55E00', ok: '#009E73', muted: '#999999' }

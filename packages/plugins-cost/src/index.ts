export { costPlugin as default, costPlugin, COST_RECORDS, PLUGIN_NAME, type CostPluginOptions, type CostRecordReader } from './plugin.js';
export { PRICE_KEYS, COST_CONFIG_KEYS } from './config-keys.js';
export { CostEngine, type CostEngineOptions, type CostInput, type DeploymentView } from './engine.js';
export { priceFor } from './price-for.js';
export { PriceTable, readPriceFile, SHIPPED_PROVIDERS, type ProviderInfo } from './table.js';
export { costOf, modeOf, ratesFor, type CostOptions } from './cost.js';
export { estimateUsage, estimatePromptTokens, estimateSearchUnits, openaiEncoding, counterFor, type EstimableRequest } from './estimate.js';
export { costHeaders, decimalString, pythonFloatString, COST_HEADER, LITELLM_COST_HEADER } from './headers.js';
export type {
  CostBreakdown,
  CostRecord,
  Mode,
  ModelPrice,
  PriceEntry,
  PriceOverrides,
  PricedUsage,
  RateSet,
  Rates,
  TierRates,
} from './types.js';

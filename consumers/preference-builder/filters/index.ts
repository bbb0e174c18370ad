// The preference builder's filters: each gives a recorded verdict (pass, drop, skipped) on a pair or example.
export { FILTER_NAMES, type FilterCandidate, type FilterName } from './candidate.js';
export { checkLength } from './length.js';
export { SPURIOUS_CATEGORIES, checkSpuriousPreferences, findSpuriousCategory, type SpuriousCategory } from './spurious-preference.js';
export { createDuplicateFilter, type DuplicateFilter, type DuplicateFilterOptions } from './duplicate.js';
export { ModerationUnavailableError, createModerationFilter, type ModerationFilter, type ModerationFilterOptions } from './moderation.js';
export { createFilterPipeline, type FilterOutcome, type FilterPipeline, type FilterPipelineOptions } from './pipeline.js';

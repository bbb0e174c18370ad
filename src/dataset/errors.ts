// Errors of the dataset store and its exports (the class tree's root is InsituError in src/errors.ts).
import { InsituError } from '../errors.js';

/** A record the store cannot place, or a dataset file it cannot read or write. */
export class DatasetError extends InsituError {}

/** An export that cannot be written where it was asked to (a symlinked output folder, a foreign dataset_info.json). */
export class ExportError extends DatasetError {}

// Per-request options the write paths share, taken from the query string.

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  isDryRun: boolean;
  fieldValidation: FieldValidation;
  /** Warning header texts the response should carry (fieldValidation=Warn). */
  warnings: string[];
}

export interface DeleteOptions {
  isDryRun: boolean;
  propagationPolicy: 'Background' | 'Foreground' | 'Orphan';
  preconditions: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

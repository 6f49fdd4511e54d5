import type { z } from 'zod';

/** What is wrong with an event, by field: what ingest answers and a dead letter records. */
export interface FieldError {
  field: string;
  message: string;
}

/** Zod's issues as field errors, `(event)` for the event as a whole. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.join('.') || '(event)',
    message: issue.message,
  }));
}

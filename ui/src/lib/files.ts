// Pure helpers over the core's file previews (what the UI shows and asks to confirm).
import type { FilePreview } from './bindings/FilePreview';

/** Files a write would replace (they exist and their content differs). */
export function replacedFiles(files: FilePreview[]): string[] {
  return files.filter((f) => f.status === 'changed').map((f) => f.name);
}

/** Whether anything would change on disk. */
export function hasChanges(files: FilePreview[]): boolean {
  return files.some((f) => f.status !== 'unchanged');
}

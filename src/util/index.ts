// Small shared helpers (diagnostics, bounded reads, safe opens, ...), entered here like every folder.

export { csvField, csvHeader, csvName, csvRecord } from './csv.js';
export {
  D4cError,
  type Diagnostic,
  formatDiagnostic,
  lineStartsOf,
  offsetToPosition,
  type Position,
  type Severity,
} from './diagnostics.js';
export { codeStrings, describeCodes, type ErrorCodeSpec, errorCodes } from './error-codes.js';
export {
  DEFAULT_DOMAIN,
  type ImageRef,
  type ImageRefResult,
  normaliseImageName,
  parseImageRef,
  tryParseImageRef,
} from './image-ref.js';
export { IMAGE_REF_CODES } from './image-ref-codes.js';
export { ipv6Text } from './ipv6-text.js';
export { formatIso, isoFromMs } from './iso.js';
export { boundedLines, LineTooLongError } from './lines.js';
export { pidAlive } from './pid.js';
export { InputTooLargeError, readFileBounded, readFileBoundedSync } from './read-bounded.js';
export { openOutputFile } from './safe-open.js';
export { startWorker } from './worker.js';

import * as fs from 'node:fs';

/**
 * Replaces the text between two marker comments of a document (RELIABILITY.md's measured
 * tables), so the committed table is what the last test run wrote. A missing file or
 * missing markers leave it alone.
 */
export function replaceMarkedSection(file: string, startMarker: string, endMarker: string, text: string): void {
  if (!fs.existsSync(file)) return;
  const doc = fs.readFileSync(file, 'utf8');
  const start = doc.indexOf(startMarker);
  const end = doc.indexOf(endMarker);
  if (start < 0 || end < start) return;
  fs.writeFileSync(file, `${doc.slice(0, start + startMarker.length)}\n${text}\n${doc.slice(end)}`);
}

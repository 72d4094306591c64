// One way every screen saves a file Go made (a notice workbook, a My Number CSV, a report):
// in the desktop window Go shows the system's save dialog and writes the file where the user
// chose (FileService.Save); in a browser (no dialog: Go answers "no_dialog") the file goes to
// the browser's download (a Blob behind an <a download>). The decoded bytes are wiped after.

import { call, parseError } from "../api";
import type { SavedFile } from "../contract.gen";
import { h } from "../h";
import { Code } from "../contract.gen";

export interface SaveableFile {
  fileName: string;
  contentType: string;
  data: string; // standard base64
}

/** saveFile saves f and returns where it went: a path, "" when the user cancelled the dialog,
 *  or the file name when the browser downloads it. */
export async function saveFile(f: SaveableFile): Promise<string> {
  try {
    const saved = await call<SavedFile>("FileService", "Save", f.fileName, f.data);
    return saved.path;
  } catch (e) {
    if (parseError(e).code !== Code.NoDialog) throw e;
  }
  const bin = atob(f.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: f.contentType || "application/octet-stream" }));
  bytes.fill(0);
  const a = h("a", { href: url, download: f.fileName, class: "hidden" });
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Long enough for the download to start; then the copy in the browser is released.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return f.fileName;
}

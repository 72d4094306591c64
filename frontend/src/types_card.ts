// Types of the My Number card read (CardService). The number only ever arrives masked.

import type { CollectProblem } from "./types_collect";

export interface CardReadResult {
  checkId: number;
  status: string;
  masked: string;
  changed: boolean;
  name: string;
  address: string;
  birthDate: string;
  sex: string;
  sexLabel: string;
  integrity: string;
  warnings: CollectProblem[] | null;
}

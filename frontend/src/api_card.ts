// api_card calls the My Number card read of 1-3 (CardService, through the shelter-bridge). The
// PIN goes to ReadForCheck only and is not kept; the number comes back masked.

import { call } from "./api";
import type { CardReadResult } from "./types_card";

const svc = "CardService";

export const Card = {
  Readers: () => call<string[] | null>(svc, "Readers"),
  Retries: (reader: string) => call<number>(svc, "Retries", reader),
  ReadForCheck: (companyId: number, personId: number, reader: string, pin: string, allowLastTry: boolean) =>
    call<CardReadResult>(svc, "ReadForCheck", companyId, personId, reader, pin, allowLastTry),
};

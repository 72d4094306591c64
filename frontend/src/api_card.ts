// api_card calls the My Number card read of 1-3 (CardService, through the shelter-bridge). The
// PIN goes to ReadForCheck only and is not kept; the number comes back masked.

import { bound } from "./bound";

const svc = "CardService";

export const Card = {
  Readers: () => bound(svc, "Readers"),
  Retries: (reader: string) => bound(svc, "Retries", reader),
  ReadForCheck: (companyId: number, personId: number, reader: string, pin: string, allowLastTry: boolean) =>
    bound(svc, "ReadForCheck", companyId, personId, reader, pin, allowLastTry),
};

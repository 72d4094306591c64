// M-6 データ共有 (ShareService). Go checks every role and every fingerprint.

import { bound } from "./bound";
import type { ShareOfferIn } from "./contract.gen";

export const Share = {
  Identity: () => bound("ShareService", "Identity"),
  LookupPeer: (office: string) => bound("ShareService", "LookupPeer", office),
  Offer: (o: ShareOfferIn) => bound("ShareService", "Offer", o),
  Offers: () => bound("ShareService", "Offers"),
  Accept: (relayCompany: string, fingerprint: string) => bound("ShareService", "Accept", relayCompany, fingerprint),
  Reject: (relayCompany: string) => bound("ShareService", "Reject", relayCompany),
  RemoveMember: (companyId: number, office: string) => bound("ShareService", "RemoveMember", companyId, office),
  List: () => bound("ShareService", "List"),
  Sync: (companyId: number) => bound("ShareService", "Sync", companyId),
  Conflicts: (companyId: number) => bound("ShareService", "Conflicts", companyId),
};

// M-6 データ共有 (ShareService). Go checks every role and every fingerprint.

import { call } from "./api";
import type { ShareConflict, ShareIdentity, ShareInfo, ShareOffer, ShareOfferIn, SharePeer, ShareSyncResult } from "./types_share";

export const Share = {
  Identity: () => call<ShareIdentity>("ShareService", "Identity"),
  LookupPeer: (office: string) => call<SharePeer>("ShareService", "LookupPeer", office),
  Offer: (o: ShareOfferIn) => call<void>("ShareService", "Offer", o),
  Offers: () => call<ShareOffer[] | null>("ShareService", "Offers"),
  Accept: (relayCompany: string, fingerprint: string) => call<number>("ShareService", "Accept", relayCompany, fingerprint),
  Reject: (relayCompany: string) => call<void>("ShareService", "Reject", relayCompany),
  List: () => call<ShareInfo[] | null>("ShareService", "List"),
  Sync: (companyId: number) => call<ShareSyncResult>("ShareService", "Sync", companyId),
  Conflicts: (companyId: number) => call<ShareConflict[] | null>("ShareService", "Conflicts", companyId),
};

// Types of M-6 データ共有 (ShareService in app/ui/share.go).

export interface ShareIdentity {
  office: string;
  fingerprint: string;
}

export interface SharePeer {
  office: string;
  name: string;
  fingerprint: string;
}

export interface ShareOfferIn {
  companyId: number;
  office: string;
  fingerprint: string;
}

export interface ShareOffer {
  relayCompany: string;
  fromOffice: string;
  fromName: string;
  fingerprint: string;
  companyCode: string;
  companyName: string;
  receivedAt: string;
}

export interface ShareInfo {
  companyId: number;
  companyName: string;
  relayCompany: string;
  peerOffice: string;
  peerName: string;
  /** Every other installation of the company's group. */
  members: { office: string; name: string }[];
  role: "origin" | "peer";
  lastSync: string;
  conflicts: number;
}

export interface ShareSyncResult {
  sent: number;
  received: number;
  conflicts: number;
}

/** ShareConflict: values are masked by Go (numbers as "**** **** 9018"). */
export interface ShareConflict {
  id: number;
  kind: string;
  localId: number;
  winnerOffice: string;
  winnerTime: string;
  winnerValue: string;
  loserOffice: string;
  loserTime: string;
  loserValue: string;
  detectedAt: string;
}

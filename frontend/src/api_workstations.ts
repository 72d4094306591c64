// 端末（ワークステーション）of M-5: the office's workstations (ShareService, app/ui
// workstations.go). Go checks the role, the office ids and the pair code.

import { bound } from "./bound";
import type { WorkstationApproveIn, WorkstationJoinIn, WorkstationRightsIn } from "./contract.gen";

const svc = "ShareService";

export const Workstations = {
  List: () => bound(svc, "Workstations"),
  Pair: (office: string) => bound(svc, "PairWorkstation", office),
  Join: (j: WorkstationJoinIn) => bound(svc, "JoinOffice", j),
  Approve: (a: WorkstationApproveIn) => bound(svc, "ApproveWorkstation", a),
  SetRights: (r: WorkstationRightsIn) => bound(svc, "SetWorkstationRights", r),
  Remove: (office: string) => bound(svc, "RemoveWorkstation", office),
  Sync: () => bound(svc, "SyncWorkstations"),
};

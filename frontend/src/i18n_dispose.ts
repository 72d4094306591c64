// Texts of 4-1 廃棄処理 / 廃棄証明書 (merged into the dictionary by i18n.ts). Texts about a
// person or a rule (the reason a number is or is not due, file kinds) come from Go.

export const disposeDict = {
  dispTitle: ["廃棄処理 / 廃棄証明書", "Disposal & certificate"],
  dispTerminalNoExecute: [
    "この端末では廃棄を実行できません（起案・承認・証明書の出力はできます）。",
    "Disposals cannot be executed on this workstation (proposing, approving and certificates can).",
  ],
  // home alert
  dispAlertReady: ["廃棄期限が到来した個人番号が {n} 件あります", "{n} My Numbers have reached their disposal date"],
  dispAlertOverdue: ["うち {n} 件は廃棄の期限（事業年度末）を過ぎています。", "{n} of them are past the end-of-year deadline."],
  dispAlertApproval: ["承認待ちの廃棄が {n} 件あります。", "{n} disposals are waiting for approval."],
  dispAlertExecution: ["承認済みで実行待ちの廃棄が {n} 件あります。", "{n} approved disposals are waiting to be carried out."],
  dispAlertOpen: ["4-1 廃棄処理を開く", "Open 4-1 Disposal"],
  // tabs
  dispTabDue: ["廃棄対象", "Due"],
  dispTabPending: ["承認待ち", "Awaiting approval"],
  dispTabExecute: ["実行", "Carry out"],
  dispTabRecords: ["廃棄記録", "Disposal records"],
  dispTabRegister: ["特定個人情報ファイル管理台帳", "File register"],
  // due list
  dispDueLead: [
    "退職した従業員の個人番号は、書類の保存期間が経過したらできるだけ速やかに廃棄します。扶養家族の個人番号は従業員とともに廃棄されます。",
    "Numbers of employees who have left must be disposed of as soon as the documents' retention has passed. Dependents go with the employee.",
  ],
  dispDue: ["廃棄期限", "Due"],
  dispDocuments: ["保存している書類", "Documents kept"],
  dispReason: ["判定", "Assessment"],
  dispReady: ["廃棄可能", "Due"],
  dispOverdue: ["期限超過", "Overdue"],
  dispRetained: ["保存期間中", "Retained"],
  dispDeadline: ["廃棄の期限 {date}", "Deadline {date}"],
  dispAssumed: ["利用目的の記録がないため、通常の利用目的で判定しています。", "No purpose recorded: the usual purposes were assumed."],
  dispInProcess: ["手続き中（No.{id}）", "In progress (No.{id})"],
  dispNoDue: ["廃棄対象となる退職者はいません。", "No employee who has left is waiting for disposal."],
  dispSelectRow: ["{name} を選ぶ", "Select {name}"],
  dispSelected: ["{n} 名を選択中", "{n} selected"],
  dispNoneSelected: ["廃棄する方を一覧で選んでください。", "Select the people to dispose of in the list."],
  // proposal
  dispProposeTitle: ["廃棄の起案", "Propose a disposal"],
  dispProposeLead: [
    "起案した廃棄は、起案者以外の事務取扱責任者が承認した後に実行できます。",
    "A proposed disposal can be carried out once a manager other than the proposer approves it.",
  ],
  dispMethod: ["廃棄の方法", "Method"],
  dispMethodShred: [
    "完全廃棄：本人の鍵を破棄し、個人番号と本人確認書類の画像をすべて削除する",
    "Shred: destroy the person key; delete the number and every document image",
  ],
  dispMethodMask: [
    "番号のみ削除：個人番号と番号が写った書類の画像を削除し、その他の本人確認書類の画像は残す",
    "Number only: delete the number and the images that show it; keep the other identity-document images",
  ],
  dispMethodShredShort: ["完全廃棄（鍵の破棄）", "Shred (key destroyed)"],
  dispMethodMaskShort: ["番号のみ削除", "Number only"],
  dispReasonLabel: ["廃棄の理由", "Reason"],
  dispReasonHint: [
    "保存期間が経過していない方を含む場合は必須です（200文字まで。個人番号は書かないでください）。",
    "Required when anyone's retention has not passed (up to 200 characters; never write a number).",
  ],
  dispKeepDeps: ["扶養家族の個人番号は残す（従業員本人のみ廃棄）", "Keep the dependents' numbers (the employee only)"],
  dispProposeSubmit: ["廃棄を起案する", "Propose the disposal"],
  dispProposed: ["廃棄を起案しました（No.{id}）。事務取扱責任者の承認を待っています。", "Disposal No.{id} proposed. It now waits for a manager's approval."],
  // pending
  dispPendingLead: [
    "事務取扱担当者が起案した廃棄を、起案者以外の事務取扱責任者が確認して承認または却下します。",
    "A manager other than the proposer checks each proposed disposal and approves or rejects it.",
  ],
  dispNo: ["No.", "No."],
  dispProposedAt: ["起案日時", "Proposed"],
  dispProposer: ["起案者", "Proposed by"],
  dispPeople: ["対象者", "People"],
  dispStatusProposed: ["承認待ち", "Awaiting approval"],
  dispStatusApproved: ["承認済（実行待ち）", "Approved (to carry out)"],
  dispStatusRejected: ["却下", "Rejected"],
  dispStatusExecuted: ["廃棄済", "Disposed"],
  dispOwnProposal: ["自分の起案は承認できません", "You cannot approve your own proposal"],
  dispApprove: ["承認", "Approve"],
  dispReject: ["却下", "Reject"],
  dispApproved: ["No.{id} を承認しました。「実行」タブから実行できます。", "No.{id} approved. Carry it out in the “Carry out” tab."],
  dispRejectTitle: ["廃棄の却下（No.{id}）", "Reject disposal No.{id}"],
  dispRejectReason: ["却下の理由", "Reason for rejecting"],
  dispRejectSubmit: ["却下する", "Reject"],
  dispRejected: ["No.{id} を却下しました。", "No.{id} rejected."],
  dispRejectedBy: ["却下：{name}（{time}）", "Rejected by {name} ({time})"],
  dispNoPending: ["承認待ちの廃棄はありません。", "No disposal is waiting for approval."],
  // execute
  dispExecuteLead: [
    "承認された廃棄を実行します。実行すると取り消すことはできません。",
    "Carry out approved disposals. A disposal cannot be undone once carried out.",
  ],
  dispApprover: ["承認者", "Approved by"],
  dispExecute: ["実行", "Carry out"],
  dispExecuteTitle: ["廃棄の実行（No.{id}）", "Carry out disposal No.{id}"],
  dispExecuteWarnShred: [
    "次の方の鍵を破棄し、個人番号と本人確認書類の画像をすべて削除します。鍵はバックアップにも残らないため、二度と復元できません。この操作は取り消せません。",
    "The person keys of the people below are destroyed and their numbers and document images deleted. The keys are in no backup: nothing can ever be restored. This cannot be undone.",
  ],
  dispExecuteWarnMask: [
    "次の方の個人番号と番号が写った書類の画像を削除し、元の鍵を破棄します（その他の本人確認書類の画像は新しい鍵で残します）。二度と復元できません。この操作は取り消せません。",
    "The numbers of the people below and the images that show them are deleted and the old keys destroyed (other identity-document images stay under a new key). Nothing can be restored. This cannot be undone.",
  ],
  dispExecuteOk: ["取り消せないことを確認して実行する", "I understand: carry it out"],
  dispExecuted: ["廃棄を実行しました。証明書番号 {no}", "The disposal was carried out. Certificate number {no}"],
  dispNoApproved: ["実行待ちの廃棄はありません。", "No approved disposal is waiting."],
  // records
  dispRecordsLead: [
    "実行した廃棄の記録です（個人番号は含みません）。廃棄証明書は Excel ファイルで出力できます。出力は取扱い履歴に記録されます。",
    "The record of every disposal carried out (it holds no number). The disposal certificate can be saved as an Excel file; saving it is recorded in the history.",
  ],
  dispDate: ["廃棄日時", "Disposed"],
  dispFileKinds: ["廃棄したファイルの種類", "Files disposed of"],
  dispManager: ["事務取扱責任者", "Manager"],
  dispExecutor: ["実施者", "Carried out by"],
  dispCertNo: ["証明書番号", "Certificate No."],
  dispCertificate: ["廃棄証明書（Excel）", "Certificate (Excel)"],
  dispNoRecords: ["廃棄記録はまだありません。", "No disposal has been carried out yet."],
  // register
  dispRegisterLead: [
    "この企業の特定個人情報ファイル管理台帳（本日時点）を Excel ファイルで出力します。事務取扱責任者のみ出力できます。出力は取扱い履歴に記録されます。",
    "Save this company's register of specific personal information files (as of today) as an Excel file. Managers only; saving it is recorded in the history.",
  ],
  dispRegisterDownload: ["管理台帳を出力（Excel）", "Save the register (Excel)"],
  dispFileSaved: ["{file} を保存しました。", "{file} saved."],
} satisfies Record<string, [string, string]>;

// Package audit is the tamper-evident history of every handling of My Number data
// (2-1 取扱い履歴): logins and their failures, register, modify, delete, view, export (持出し),
// print, disposal, role and setting changes, backups and the verification itself.
//
// # Model
//
// The history is the audit_log table of the vault database. Every entry is one row written by
// [Log.Append] inside the caller's [store.DB.Update]; nothing else in the product writes that
// table. An entry records who (user id and login), where (workstation), when (the transaction's
// UTC time), what ([Action] and [Result]), on which client company and target, for which
// purpose (利用目的), and a short detail text.
//
// Entries are numbered 1, 2, 3, … by Append (the last id plus one, read in the same
// transaction) and chained with HMAC-SHA256 under the 32-byte audit key that app/vault keeps
// wrapped under the office root key:
//
//	mac_0 = HMAC(key, "mynumber-shelter audit genesis")
//	mac_n = HMAC(key, mac_{n-1} ‖ canonical(entry_n))
//
// canonical(entry) is a private, versioned, length-prefixed encoding of every column, including
// the id and the exact time text, so no two different entries encode alike. Append also keeps a
// head record in the meta table ('audit_head' = "id:hex(mac)") in the same transaction.
//
// # Verification
//
// [Verify] streams the table in id order (a long log as a few contiguous id ranges read in
// parallel; rows are never all held in memory), recomputes every MAC from the stored MAC of the
// previous row, and names the first broken entry:
//
//   - an edited row (any column, including its MAC) breaks at that row;
//   - a deleted row leaves a gap and breaks at the row that follows it;
//   - two rows whose contents were swapped break at the first of them, because the id is part
//     of the MAC;
//   - a row inserted without the key has a MAC that does not match, and breaks where it stands;
//   - the wrong key breaks at entry 1.
//
// Deleting the LAST rows cannot be seen from the chain alone: what remains is a valid, shorter
// chain. The head record catches that: Verify requires the last row to equal the head. That
// anchor lives in the same database file, so an attacker with write access to the file can
// delete the tail AND rewrite the head to the new last row (the head holds a MAC that is already
// stored in the row, so no key is needed). Only a copy of the head kept elsewhere (a backup, an
// export, the number of entries printed on a history report) can prove such a truncation. The
// chain protects the history against undetected editing, deletion in the middle, reordering and
// insertion; it does not protect against truncation by someone who controls the file
// (deleting every row and the head leaves an empty log, which verifies).
//
// When Append finds the head ahead of the last row (the tail was deleted), it continues from
// the head: the next entry gets the head's id plus one and chains from the head's MAC, so the
// deletion stays visible as a gap instead of being papered over by the next entry.
//
// # Seals
//
// The audit key must be at hand before anyone logs in (a failed login is recorded), so the OS
// keychain holds it, and any process of the logged-in user can read it and re-chain an edited
// history that then passes [Verify]. Entries written in a session are therefore also sealed
// under a key that the keychain does not hold: from login to logout (a screen lock included)
// the session's seal key, derived from the root key by app/vault, is set on the Log
// ([Log.Seal]) and every entry gets
//
//	seal_n = HMAC(seal key, mac_n)
//
// in its seal column. mac_n covers entry n and, through the chain, every entry before it.
// [VerifySealed] checks every seal:
//
//   - re-chaining after an edit changes the MACs from the edit on, and the first sealed entry at
//     or after it no longer matches its seal ([BreakSeal]) — even when a later session has
//     sealed on top of the rewritten history;
//   - removing seals to hide that is caught from the entry where sealing began: an entry that
//     only a session writes has no business being unsealed there ([BreakUnsealed];
//     [Action.Sessionless] names the others). Where sealing began is part of the audit key's
//     record under the root key (app/vault, "Where sealing began"), which every vault has from
//     its creation: app/history reports a missing, altered or outdated record as a break at
//     entry 1.
//
// What stays possible for someone with the audit key but not the root key: cutting the
// history back to any point and going on from there with entries a session need not seal
// (failed logins, locks, logouts, the replica's state), which later sessions then seal on
// top of. The seals prove the history as it stands up to the last seal, not that nothing was
// cut: the relay's anchors (anchor.go) catch a cut, and so does an earlier printed 2-1
// report, whose entries and last sealed entry the history no longer shows. For a vault made
// before seals, a copy of its audit-key record kept from before its upgrade, together with
// every seal removed, makes sealing start again at the next login (which the history records,
// and 2-1 and its report name). With the root key — a running session's memory — anything can
// be rewritten.
//
// # Reading the history
//
// [Query] returns one page of entries, newest first by (time, id), with keyset paging
// ([Filter.BeforeID]); [Count] gives the total for the same filter. Every filter of the 2-1
// screen (company, company and action, user, action, record, result, time range) has an index
// ending in the time column, so a page is read straight from one index range however long the
// history is; several actions are read as one range each and merged. Entries are numbered in
// time order, so "newest first" is also "highest id first" unless the clock was set back.
//
// # Failing closed
//
// Append returns an error whenever it cannot write: no usable key ([ErrUnavailable]), an
// invalid entry ([ErrInvalidEntry]) or a database error (wrapped in ErrUnavailable). Callers
// run Append inside the same store.Update as the action it records and return its error, so
// the action is rolled back together with the missing entry: if the history cannot be written,
// the handling does not happen.
//
// # What it must never do
//
// An entry never holds a My Number, a corporate number, a PIN or a password. Callers put ids
// and purpose codes in entries, never values. As a last-line guard Append rejects any text
// field containing a run of twelve or more decimal digits (ASCII, full-width or any other
// Unicode decimal digit), or three groups of four digits joined by single spaces or hyphens
// (the way a My Number is usually written); see [ErrInvalidEntry]. The guard cannot recognise
// every disguise (digits interleaved with letters, for example); the app must not try.
// Errors from this package never quote the rejected text.
//
// The package never logs. The audit key is held only for as long as the caller holds [Log]; a
// seal key only until its session calls [Log.Unseal].
package audit

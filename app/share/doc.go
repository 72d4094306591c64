// Package share shares one client company among a group of MyNumber Shelter installations
// through the cloud relay (patterns 1 and 3 of the mission: an 社労士 / 税理士 office, the
// client's own installation, another office the client works with). Each member sees the
// others' roster, registered numbers, disposals and handling history after a sync. The relay
// sees ciphertext only.
//
// # The group
//
// A share starts with one offer and acceptance; any member may then offer the company to one
// more office the same way (fingerprints compared by phone), and the relay adds it as a member
// of the relay company. A member that joins late reads the company's envelopes from the first
// one, so it gets everything recorded before it joined. share_members lists the other members
// this side knows, each with the newest envelope sequence imported from it: sequences are each
// sender's own clock, so they are compared per member. Every member holds the epoch key, so a
// member could seal records naming another member as their origin; but envelopes are signed
// with the sending office's relay key (the relay checks it belongs to the sender), and a batch
// is imported only when signed by the key the named member's first envelope came with, or the
// one the offer that brought the company here named: an offer names the offerer's own key and
// those of every member the offerer knows (offerInfo.Members, sealed and authenticated). So a
// member cannot write records or history entries that read as another's, unless its envelope
// in the other's name is the first of the other's that both this side and the member that
// offered it the company read, with the relay's help
// (TestWSReviewClientImpersonatesAnotherWorkstation). A member that joins late reads from the
// epoch it was given (below).
//
// # Key epochs, removing a member, disposals (epochs.go)
//
// What members share is not a company key but the key of the company's current epoch (vault
// share_keys, under each member's root key). A share begins with its first epoch ("e1-…"); each
// member keeps a company key of its own, made on its side, for its person keys, and the
// blind-index key is shared so that duplicate checks agree. Batches and shared numbers are
// sealed under the newest epoch a member holds, named in the envelope's record ("batch.e2-…",
// part of the AEAD's additional data). Shares made before epochs keep using the company key as
// their epoch "" until their first rotation.
//
// The group moves to a new epoch when an administrator removes a member
// ([Service.RemoveMember]) and when a member destroys a shared number (a disposal, a deletion:
// the export finds it). The relay is told of a removal first and from then on refuses the removed
// office every route of the company. The new key is sealed to each remaining member's
// installation key and sent in a "rekey" envelope, with a MAC to each under the static ECDH
// secret of the two installations ([vault.Keys.PeerMAC]) over the rotation and the envelope's
// header: the relay can neither read the key nor forge, alter or re-number a rotation. The
// envelope is not sealed as a whole, so that two rotations made at once reach each other; both
// sides adopt the greater, and a member that finds the epoch it adopted may be held by a member
// it removed (a rotation made before its maker learnt of the removal), or that its own pending
// rotation lost, rotates once more. A member that imports a rotation passes the key on to
// members it knows that the rotation missed (invited by another member, unknown to the rotating
// one), and to a member whose batch shows it is still on an earlier epoch; it sends every
// record again under the new epoch (as the versions it holds: the others skip them) and
// destroys the keys before it. A member invited later receives only the current epoch's key,
// and reads the whole company from those copies. Envelopes of a removed member are not imported
// any more. A removed member learns it from the relay's refusal (ErrNotMember, shown on M-6);
// if a member offers it the company again, it accepts the offer into the company it still has,
// and the offering member rotates so that the others count it a member again.
//
// So after a disposal, once every member has synced, no key any member holds opens the disposed
// number in the relay's envelopes or in a copy of its database; after a removal, the removed
// member opens nothing sent afterwards.
//
// The key a rotation is sealed to is the one the member stated inside its own batches (under
// the epoch's key, so the relay cannot substitute it), or the one its administrator confirmed
// by fingerprint; never the relay directory's (the relay could put its own there). A member
// whose key this side does not know gets no box from it; another member passes the key on. What
// stays possible: a removed member keeps everything it received before; a member that has not
// synced since a rotation still holds the keys before it; a backup of a member's vault made
// before a rotation holds the epoch keys of then, which open the relay's copies of then with
// the Recovery Kit (the bound the README states for replicas); for a share made before epochs,
// the company key every member holds opens the envelopes of its epoch "" for good. A rotation
// made by a disposal or a deletion carries the records that made it (the deleted numbers and
// disposals, sealed under its epoch's key): a member applies them as it adopts the epoch, so a
// relay that lists the rotation before the batch that carried them cannot make the others send
// the disposed number again under the new epoch (TestShareDisposalReorderedByTheRelay). A member that no remaining member
// knows the key of (a share made before epochs whose only member that knew it left) must be
// offered the company again.
//
// # Workstations of one office (workstation.go)
//
// An office may work from several PCs, each an installation with its own vault, keys and relay
// identity. A new PC joins through a workstation already in the office: an administrator on
// each side opens the workstation screen (which publishes its key), the new PC asks to join
// with the other's office id and an administrator there approves it with the new PC's office
// id; both screens show a pair code ([PairCode], 80 bits derived from the two installation keys by Argon2id) and
// each administrator types the code the other screen shows, which pins the other's key. From
// then on [Service.SyncWorkstations] (run by the automatic sync before the companies' syncs)
// offers every company here to every workstation that is not a member of it yet (each new one
// too), accepts every offer from a workstation whose key is the pinned one, and gives the
// company's 責任者 / 担当者 the same roles on the new workstation by login (users enrol on each
// PC). So there is one replication engine for the office's workstations and for companies
// shared with clients: a workstation is a member of every company's group.
//
// Workstations tell each other of the office's workstations (RecordOffice: a list with keys,
// removals and rights, authenticated pairwise by a MAC, carried in a company they share): a
// workstation approved anywhere becomes known everywhere, and rights set anywhere reach the
// workstation they are for, which enforces them on itself (app/terminal: reveal, download,
// dispose). Removing a workstation ([Service.RemoveWorkstation]) records it removed and removes
// it from every company at the relay with a rotation each (above), which names it retired: the
// other workstations stop counting it one of the office's at once. A workstation removed from
// one company in M-6 is not offered that company again (an offer names the members removed
// from the group, so a workstation that joins later does not offer it either); one removed from
// the office and approved again gets every company again.
//
// Rights, the list's additions and removals, and company settings (roles, formats) are
// ordered by their times, taken as a hybrid logical clock: a change is dated by this PC's
// clock, or 1 ms after the latest time this side holds for the same workstation (or company
// setting) when that is not earlier. So a
// change made after another was seen wins over it even when the PC that made the first had a
// clock running ahead (TestWSReviewRightsFromAClockAhead,
// TestWSReviewStaleListReaddsARemovedWorkstation, TestWorkstationRolesBehindAClock); two
// changes made without seeing each other go to the later time.
//
// The companies' 責任者 / 担当者 and download formats are the office's: the list of
// workstations carries, sealed to each recipient, the role assignments (by login) and the
// saved formats of the companies shared with it, and a workstation takes a company's set when
// it changed later than the one it holds (workstation_settings.go). Not replicated: users and
// their passwords (each user enrols on each PC) and custom purposes (a notified purpose whose
// code the receiver lacks is left out there). Each workstation keeps its own
// history chain; the others' entries of a company arrive as facts (above), not chained.
//
// # Trust and keys
//
// Every installation has a P-256 key pair (vault share_identity; the private key is sealed
// under the root key). Its public key is published in the relay's directory; administrators
// compare its [vault.Fingerprint] out of band (telephone, paper) before a share is offered and
// before it is accepted, which is what stops a relay from substituting keys.
//
// The offering side wraps the current epoch's key and the blind-index key to the peer's key (sealbox, aad
// "shelter-share|<relay company>|<peer office>") and seals the company's name and code to it
// as well; a MAC under the two installations' static ECDH secret ([vault.Keys.PeerMAC])
// authenticates the offer. Both travel in one envelope of record "company-key". The accepting
// administrator sees the offer with the sender's fingerprint, types it in to confirm, and the
// company is created locally with a company key of its own and the imported keys.
//
// # Change feed
//
// Nothing in the other packages is hooked. [Service.Sync] scans the shared company's tables
// and exports every record whose content hash differs from the one recorded at the last export
// or import (share_records): persons (employees and dependents, without department, with the
// codes of the purposes notified to them, which 3-1 needs to reveal a number), their
// numbers (opened with the local person key and sealed again under the epoch key with AAD
// share/<global id>/number), executed disposals, collection statuses (the status of a person's
// latest collection target with the 差戻し / 提供拒否 reason; see status.go), and new audit
// entries of that company (as facts for the peer's 2-1, never into the peer's chain). Records
// carry a global id (origin office "." origin row id) and a hybrid logical clock (the row's
// update time in microseconds, raised above every clock this side has seen). A batch of records is one
// envelope (record "batch.<epoch>"), sealed under the epoch key with the envelope header as AAD.
//
// Import applies a record when it is based on the version this side holds. When two members
// changed a record since they last agreed, the version with the greater (clock, origin office)
// wins on every member; a side whose version lost keeps it in share_conflicts (values masked)
// for the share screen. An envelope whose sequence is not above the newest already imported
// from the same member is ignored; the relay itself refuses a replayed one (409).
//
// # Not done here
//
// Identity-document images, departments, collection requests and one-time passwords are not
// shared; a notified purpose of a custom code the receiving installation does not have is
// left out there, and a person's last notified purpose withdrawn stays on the others. An imported collection status is written onto the person's latest
// collection target here (no app/collect transition rule or relay send-back runs), or, when the
// person has no target here, kept in share_remote_status ([Service.RemoteStatuses]); the 1-3
// status board does not read that table yet. An imported disposal shreds the person locally
// but writes no local disposal or certificate (the certificate belongs to the installation
// that executed it). Envelopes are not deleted from the relay.
//
// # What it must never do
//
// Put a My Number, a key or a clear record on the wire, in a log line, an error, the conflicts
// table or the peer-history table.
package share

package share

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/mynumber-shelter/shelter/app/audit"
	"github.com/mynumber-shelter/shelter/app/store"
	"github.com/mynumber-shelter/shelter/app/vault"
)

// Each member's history of a shared company as a chain (doc.go, "History"). A batch's
// history facts are linked into a hash chain per company and origin: the value after a fact is
// SHA-256 over the value before it and the fact. The batch carries the value before its first
// fact and after its last, and a MAC of both to each member this side knows the key of, under
// the two installations' static ECDH secret ([vault.Keys.PeerMAC]): a member cannot write
// facts that verify as another's, and the relay cannot drop, alter or reorder them unseen.

// historyProof links a batch's facts into its origin's chain.
type historyProof struct {
	Prev []byte            `json:"prev,omitempty"` // nil: the origin's first facts of the company
	Head []byte            `json:"head"`
	MACs map[string][]byte `json:"macs,omitempty"`
}

// normFact is a fact as the receiver stores it: time in store form, detail redacted. Both
// sides chain this form, so that the receiver can recompute the chain from what it stored.
func normFact(f auditFact) auditFact {
	if t, err := store.ParseTime(f.At); err == nil {
		f.At = store.FormatTime(t)
	} else {
		f.At = store.FormatTime(time.Time{})
	}
	f.Detail = audit.Redact(f.Detail)
	return f
}

// chainNext is the chain value after fact f of origin in relayCompany, prev the one before it.
func chainNext(relayCompany, origin string, prev []byte, f auditFact) []byte {
	h := sha256.New()
	h.Write([]byte("shelter-peer-history|v1|" + relayCompany + "|" + origin + "|"))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(prev))))
	h.Write(prev)
	h.Write(mustJSON(normFact(f)))
	return h.Sum(nil)
}

func historyMACInput(relayCompany, origin, to string, prev, head []byte) []byte {
	m := []byte("shelter-peer-history-head|v1|" + relayCompany + "|" + origin + "|" + to + "|")
	m = binary.BigEndian.AppendUint32(m, uint32(len(prev)))
	m = append(m, prev...)
	return append(m, head...)
}

// proveHistory links b's facts into this side's chain of the company (sh.histHead moves on; it
// is saved with sh, in the transaction that sends the batch) and authenticates the new head to
// every member whose key this side holds.
func proveHistory(tx *store.Tx, keys *vault.Keys, sh *shareRow, b *batch) error {
	if len(b.Audit) == 0 {
		return nil
	}
	p := &historyProof{Prev: sh.histHead, MACs: map[string][]byte{}}
	h := sh.histHead
	for _, f := range b.Audit {
		h = chainNext(sh.relay, sh.self, h, f)
	}
	p.Head = h
	members, err := memberKeys(tx, sh.companyID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.pub == nil {
			continue
		}
		if p.MACs[m.office], err = keys.PeerMAC(tx, m.pub, historyMACInput(sh.relay, sh.self, m.office, p.Prev, p.Head)); err != nil {
			return fmt.Errorf("authenticating the history to member %s: %w", m.office, err)
		}
	}
	b.History, sh.histHead = p, h
	return nil
}

// checkHistory checks b's proof on import and returns the chain value before each fact and
// after it (nil when the batch has no proof, or one whose chain does not recompute). A MAC
// to this side that does not check, a chain that does not recompute, or one that does not
// continue from the last head received from the origin counts against it (history_bad) and is
// recorded in the history.
func (im *importer) checkHistory(keys *vault.Keys, b batch) (prevs, chains [][]byte, err error) {
	p := b.History
	if p == nil || len(b.Audit) == 0 {
		return nil, nil, nil
	}
	var (
		pub, head []byte
		problem   string
	)
	if err := im.tx.QueryRow(`SELECT public_key, history_head FROM share_members WHERE company_id = ? AND office = ?`,
		im.sh.companyID, b.Origin).Scan(&pub, &head); err != nil {
		return nil, nil, err
	}
	h := p.Prev
	for _, f := range b.Audit {
		prevs = append(prevs, h)
		h = chainNext(im.sh.relay, b.Origin, h, f)
		chains = append(chains, h)
	}
	auth := false
	switch {
	case !bytes.Equal(h, p.Head):
		problem, prevs, chains = "its chain does not recompute", nil, nil
	case head != nil && !bytes.Equal(p.Prev, head):
		// The same facts again (the origin's answer from the relay was lost and it sent them
		// once more) continue from a value already received; anything else is a gap.
		var again int
		if err := im.tx.QueryRow(`SELECT count(*) FROM share_peer_audit WHERE company_id = ? AND source = ? AND prev IS ?`,
			im.sh.companyID, b.Origin, p.Prev).Scan(&again); err != nil {
			return nil, nil, err
		}
		if again == 0 {
			problem = "entries are missing before it (its chain does not continue from the last one received)"
		}
	}
	if mac := p.MACs[im.sh.self]; mac != nil && pub != nil && chains != nil {
		if auth, err = keys.CheckPeerMAC(im.tx, pub, historyMACInput(im.sh.relay, b.Origin, im.sh.self, p.Prev, p.Head), mac); err != nil {
			return nil, nil, err
		}
		if !auth {
			problem, prevs, chains = "it is not authenticated by the member's key", nil, nil
		}
	}
	bad := 0
	if problem != "" {
		bad = 1
		e := im.p.Entry(audit.ActionModify, audit.ResultFailed)
		e.CompanyID, e.TargetType, e.TargetID = im.sh.companyID, "share", im.sh.relay
		e.Detail = audit.Redact("share history of office " + b.Origin + " does not verify: " + problem)
		if _, err := im.log.Append(im.tx, e); err != nil {
			return nil, nil, err
		}
	}
	newHead := head
	if chains != nil {
		newHead = p.Head
	}
	_, err = im.tx.Exec(`UPDATE share_members SET history_head = ?, history_auth = ?, history_bad = history_bad + ?
		WHERE company_id = ? AND office = ?`, newHead, auth, bad, im.sh.companyID, b.Origin)
	return prevs, chains, err
}

// PeerChain is one member's history of one shared company as 2-1's verification found it.
type PeerChain struct {
	CompanyID   int64
	CompanyName string
	Source      string
	SourceName  string
	Entries     int // facts stored from it
	Chained     int // of which linked into its chain (the others came without a proof: older versions)
	// Gaps: places where the chain does not continue (facts the relay never delivered, or that
	// were deleted here); Broken: facts whose stored form does not give their chain value
	// (altered here); Bad: batches refused on import (history_bad).
	Gaps, Broken, Bad int
	// Authenticated: the newest chain value is the one the member authenticated to this side.
	Authenticated bool
	// FirstBroken is the member's entry id of the first altered fact (0: none).
	FirstBroken int64
}

// OK reports a chain with nothing missing, altered or refused.
func (c PeerChain) OK() bool { return c.Gaps == 0 && c.Broken == 0 && c.Bad == 0 }

// VerifyPeerHistory recomputes every member's chain of every shared company from the facts
// stored here.
func VerifyPeerHistory(ctx context.Context, db *store.DB) ([]PeerChain, error) {
	var out []PeerChain
	err := db.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(`SELECT a.company_id, c.name, sh.relay_company, a.source, a.source_name, a.source_id, a.at, a.login, a.action,
			a.target_type, a.sent_target, a.purpose, a.result, a.detail, a.prev, a.chain,
			coalesce(m.history_head, x''), coalesce(m.history_auth, 0), coalesce(m.history_bad, 0)
			FROM share_peer_audit a JOIN companies c ON c.id = a.company_id JOIN shares sh ON sh.company_id = a.company_id
			LEFT JOIN share_members m ON m.company_id = a.company_id AND m.office = a.source
			ORDER BY a.company_id, a.source, a.source_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			cur                 *PeerChain
			last, head, curHead []byte
			relay               string
		)
		finish := func() {
			if cur != nil {
				// curHead: the head received from cur's member (head is the current row's, which
				// may be the next member's already).
				cur.Authenticated = cur.Authenticated && last != nil && bytes.Equal(last, curHead)
				out = append(out, *cur)
			}
		}
		for rows.Next() {
			var (
				companyID   int64
				name, src   string
				srcName     string
				f           auditFact
				prev, chain []byte
				auth        bool
				bad         int
			)
			if err := rows.Scan(&companyID, &name, &relay, &src, &srcName, &f.ID, &f.At, &f.Login, &f.Action, &f.TargetType, &f.TargetID,
				&f.Purpose, &f.Result, &f.Detail, &prev, &chain, &head, &auth, &bad); err != nil {
				return err
			}
			if cur == nil || cur.CompanyID != companyID || cur.Source != src {
				finish()
				cur = &PeerChain{CompanyID: companyID, CompanyName: name, Source: src, SourceName: srcName, Bad: bad, Authenticated: auth}
				last, curHead = nil, head
			}
			cur.Entries++
			if chain == nil {
				continue
			}
			cur.Chained++
			if last != nil && !bytes.Equal(prev, last) {
				cur.Gaps++
			}
			if !bytes.Equal(chainNext(relay, src, prev, f), chain) {
				cur.Broken++
				if cur.FirstBroken == 0 {
					cur.FirstBroken = f.ID
				}
			}
			last = chain
		}
		finish()
		return rows.Err()
	})
	return out, err
}

package vault

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/mynumber-shelter/shelter/app/store"
)

// # The office replica's seal
//
// A replica snapshot (both files of the vault, see app/replica) leaves this PC sealed so that
// only the Recovery Kit — on a new PC, with nothing else — opens it, and the relay that keeps it
// learns its size and nothing more:
//
//	MYNUMBER-SHELTER-REPLICA 1\n
//	{"vaultId":"…","id":"…","recoveryWrap":"…","snapshotKey":"…"}\n
//	version ‖ nonce ‖ AES-256-GCM(snapshot key, plaintext, AAD = the two lines above)
//
// recoveryWrap is the vault's root key wrapped under the Recovery Kit's key (the vault_keys row
// the kit opens on this PC, copied as it is); snapshotKey is a fresh random key wrapped under the
// root key with the snapshot's id in its AAD. Nothing in the header is secret or personal.

const replicaMagic = "MYNUMBER-SHELTER-REPLICA 1\n"

type replicaHeader struct {
	VaultID      string `json:"vaultId"`
	ID           string `json:"id"`
	RecoveryWrap []byte `json:"recoveryWrap"`
	SnapshotKey  []byte `json:"snapshotKey"`
}

func replicaKeyAAD(id string) AAD { return AAD{Table: "replica", Column: "snapshot_key:" + id} }

// ErrNotReplica is returned by [OpenReplica] for bytes that are not a sealed snapshot (or whose
// header is damaged).
var ErrNotReplica = errors.New("not a MyNumber Shelter replica snapshot")

// SealReplica seals plain, a snapshot of this vault with the opaque id, for the office
// replica (see "The office replica's seal").
func (k *Keys) SealReplica(tx *store.Tx, id string, plain []byte) ([]byte, error) {
	vaultID, err := (&Vault{}).VaultID(tx)
	if err != nil {
		return nil, err
	}
	if vaultID != k.vaultID {
		return nil, fmt.Errorf("keys are for vault %s, database holds vault %s", k.vaultID, vaultID)
	}
	var recoveryWrap []byte
	if err := tx.QueryRow(`SELECT wrapped FROM vault_keys WHERE name = ?`, vaultKeyRecovery).Scan(&recoveryWrap); err != nil {
		return nil, fmt.Errorf("reading the recovery wrap: %w", err)
	}
	sk, err := randomKey(k.rand)
	if err != nil {
		return nil, err
	}
	defer clear(sk)
	h := replicaHeader{VaultID: vaultID, ID: id, RecoveryWrap: recoveryWrap}
	err = k.withRoot(func(root *symKey) error {
		h.SnapshotKey, err = root.seal(replicaKeyAAD(id), sk)
		return err
	})
	if err != nil {
		return nil, err
	}
	head := replicaHead(h)
	body, err := sealWith(sk, k.rand, head, plain)
	if err != nil {
		return nil, err
	}
	return append(head, body...), nil
}

func replicaHead(h replicaHeader) []byte {
	j, _ := json.Marshal(h)
	return append(append([]byte(replicaMagic), j...), '\n')
}

// replicaBodyAAD binds the body to its header.
func replicaBodyAAD(head []byte) AAD {
	sum := sha256.Sum256(head)
	return AAD{Table: "replica", Column: fmt.Sprintf("body:%x", sum)}
}

func sealWith(key []byte, rand io.Reader, head, plain []byte) ([]byte, error) {
	k, err := newSymKey(key, rand)
	if err != nil {
		return nil, err
	}
	return k.seal(replicaBodyAAD(head), plain)
}

func parseReplica(sealed []byte) (h replicaHeader, head, body []byte, err error) {
	if !bytes.HasPrefix(sealed, []byte(replicaMagic)) {
		return h, nil, nil, ErrNotReplica
	}
	r := bufio.NewReader(bytes.NewReader(sealed[len(replicaMagic):]))
	line, err := r.ReadBytes('\n')
	if err != nil {
		return h, nil, nil, fmt.Errorf("%w: header not terminated", ErrNotReplica)
	}
	if err := json.Unmarshal(line, &h); err != nil || h.VaultID == "" || h.ID == "" {
		return h, nil, nil, fmt.Errorf("%w: header", ErrNotReplica)
	}
	n := len(replicaMagic) + len(line)
	return h, sealed[:n], sealed[n:], nil
}

// OpenReplica opens a sealed snapshot with the Recovery Kit's key alone (a new PC). A mistyped
// key or another office's wraps [ErrBadRecoveryKey]; damaged bytes wrap [ErrDecrypt] or
// [ErrNotReplica]. It returns the vault id and the plaintext.
func OpenReplica(recoveryKey string, sealed []byte) (vaultID string, plain []byte, err error) {
	h, head, body, err := parseReplica(sealed)
	if err != nil {
		return "", nil, err
	}
	root, err := rootFromKit(recoveryKey, h.VaultID, h.RecoveryWrap, "the replica of vault")
	if err != nil {
		return "", nil, err
	}
	defer clear(root)
	sk, err := unwrap(root, replicaKeyAAD(h.ID), h.SnapshotKey)
	if err != nil {
		return "", nil, err
	}
	defer clear(sk)
	k, err := newSymKey(sk, nil)
	if err != nil {
		return "", nil, err
	}
	plain, err = k.open(replicaBodyAAD(head), body)
	if err != nil {
		return "", nil, err
	}
	return h.VaultID, plain, nil
}

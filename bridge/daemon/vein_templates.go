package daemon

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mynumber-shelter/shelter/devices/vein"
	"github.com/mynumber-shelter/shelter/internal/appdir"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
	"github.com/mynumber-shelter/shelter/internal/keychain"
	"github.com/mynumber-shelter/shelter/internal/sealbox"
)

// The templates of a vein driver that matches on the host ("matching":"host" in
// devices/vein/driver) are kept here, sealed: each one is a sealbox (internal/sealbox) to a
// P-256 key whose private half lives only in the OS keychain (account veinTemplateKey), bound
// to its id by the box's additional data, in <state dir>/vein-templates/<id>.box (0600, in a
// 0700 directory). A template is opened only for the length of one verify or identify, is
// never logged, never leaves the workstation and never reaches the app, which sees only its
// id. A copy of the state directory without this computer's keychain opens nothing; deleting
// the keychain entry destroys every template at once.

// veinTemplateKey is the keychain account of the template key.
const veinTemplateKey = "vein-templates"

// VeinTemplateDirName is the directory of sealed vein templates beside the config file.
const VeinTemplateDirName = "vein-templates"

// sealedTemplates is a vein.TemplateStore in a directory, sealed under a keychain key.
type sealedTemplates struct {
	dir string
	kc  keychain.Keychain

	mu  sync.Mutex
	key *ecdh.PrivateKey // loaded or made on first use
}

var _ vein.TemplateStore = (*sealedTemplates)(nil)

func (s *Server) veinTemplates() *sealedTemplates {
	return &sealedTemplates{dir: filepath.Join(filepath.Dir(s.ConfigPath), VeinTemplateDirName), kc: s.Keychain}
}

// privateKey loads the template key from the keychain, making one when there is none and
// create is set.
func (t *sealedTemplates) privateKey(create bool) (*ecdh.PrivateKey, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key != nil {
		return t.key, nil
	}
	b, err := t.kc.Get(veinTemplateKey)
	switch {
	case err == nil:
		k, err := ecdh.P256().NewPrivateKey(b)
		clear(b)
		if err != nil {
			return nil, fmt.Errorf("vein template key in the keychain: %w", err)
		}
		t.key = k
		return k, nil
	case !errors.Is(err, keychain.ErrNotFound) || !create:
		return nil, fmt.Errorf("vein template key: %w", err)
	}
	k, err := sealbox.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	if err := t.kc.Set(veinTemplateKey, k.Bytes()); err != nil {
		return nil, fmt.Errorf("keeping the vein template key: %w", err)
	}
	t.key = k
	return k, nil
}

func templateAAD(id vein.TemplateID) []byte { return []byte("vein-template|" + templateString(id)) }

func (t *sealedTemplates) path(id vein.TemplateID) string {
	return filepath.Join(t.dir, templateString(id)+".box")
}

// Add implements vein.TemplateStore: ids count up and are never reused.
func (t *sealedTemplates) Add(template []byte) (vein.TemplateID, error) {
	k, err := t.privateKey(true)
	if err != nil {
		return 0, err
	}
	if err := appdir.MkdirPrivate(t.dir); err != nil {
		return 0, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ids, err := t.list()
	if err != nil {
		return 0, err
	}
	// Ids are never reused (a factor of the app may still name a deleted one): the next one
	// is kept in a counter file, and is above every id held.
	id := vein.TemplateID(1)
	if len(ids) > 0 {
		id = ids[len(ids)-1] + 1
	}
	if b, err := os.ReadFile(filepath.Join(t.dir, "next")); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32); err == nil {
			id = max(id, vein.TemplateID(n))
		}
	}
	if err := atomicfile.WriteFile(filepath.Join(t.dir, "next"), []byte(templateString(id+1)), 0o600); err != nil {
		return 0, fmt.Errorf("writing the vein template counter: %w", err)
	}
	box, err := sealbox.Seal(nil, k.PublicKey(), templateAAD(id), template)
	if err != nil {
		return 0, fmt.Errorf("sealing a vein template: %w", err)
	}
	if err := atomicfile.WriteFile(t.path(id), box, 0o600); err != nil {
		return 0, fmt.Errorf("writing a vein template: %w", err)
	}
	return id, nil
}

// Get implements vein.TemplateStore.
func (t *sealedTemplates) Get(id vein.TemplateID) ([]byte, error) {
	box, err := os.ReadFile(t.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("template %d: %w", id, vein.ErrUnknownTemplate)
	}
	if err != nil {
		return nil, fmt.Errorf("reading a vein template: %w", err)
	}
	k, err := t.privateKey(false)
	if err != nil {
		return nil, err
	}
	b, err := sealbox.Open(k, templateAAD(id), box)
	if err != nil {
		return nil, fmt.Errorf("vein template %d: %w", id, err)
	}
	return b, nil
}

// List implements vein.TemplateStore.
func (t *sealedTemplates) List() ([]vein.TemplateID, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.list()
}

func (t *sealedTemplates) list() ([]vein.TemplateID, error) {
	es, err := os.ReadDir(t.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing vein templates: %w", err)
	}
	var ids []vein.TemplateID
	for _, e := range es {
		name, ok := strings.CutSuffix(e.Name(), ".box")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(name, 10, 32); err == nil && n > 0 {
			ids = append(ids, vein.TemplateID(n))
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Delete implements vein.TemplateStore.
func (t *sealedTemplates) Delete(id vein.TemplateID) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := os.Remove(t.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("template %d: %w", id, vein.ErrUnknownTemplate)
	}
	return err
}

package vein

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/driver"
)

// Process is a Sensor served by an out-of-process driver: the executable at Path, started
// with Args, speaking the line-based JSON protocol of package
// [github.com/mynumber-shelter/shelter/devices/vein/driver] on its stdin and stdout. It is how
// a vendor's SDK plugs in without changing the bridge. The driver is started by the first
// call, and again by the next call after it exits, is killed or stops answering; its stderr
// goes to Log line by line.
//
// A driver that matches on the host returns templates instead of ids; Process keeps them in
// Templates (sealed: see [TemplateStore]) and gives its callers only ids. Set the fields
// before the first call and do not change them afterwards.
type Process struct {
	// Path is the driver executable, an absolute path.
	Path string
	// Args are passed to it.
	Args []string

	// HelloTimeout bounds starting the driver and its answer to hello. 0 means 3 s.
	HelloTimeout time.Duration
	// CommandTimeout bounds the requests that need no hand (info, delete, enrol's reply to a
	// cancel) on top of the context's deadline. 0 means 3 s.
	CommandTimeout time.Duration

	// Templates keeps the templates of a driver that matches on the host. nil refuses such a
	// driver (ErrProtocol): the bridge always sets it.
	Templates TemplateStore

	// Log receives the driver's stderr and its starts and exits, never templates. nil means
	// none.
	Log *slog.Logger

	once sync.Once
	sem  chan struct{} // held by the call in progress
	id   uint64        // last request id; guarded by sem

	mu     sync.Mutex
	proc   *proc
	cancel chan struct{} // of the call in progress; nil when none
	closed bool
}

var _ Sensor = (*Process)(nil)

// TemplateStore keeps the templates of a driver that matches on the host ("matching":"host"),
// sealed: the bridge's implementation seals each one to a key in the OS keychain, bound to its
// id, in its private state directory, so that a template is never stored in clear and never
// leaves the workstation. Process opens a template only for the length of one verify or
// identify.
type TemplateStore interface {
	// Add seals template and returns its new id (never 0).
	Add(template []byte) (TemplateID, error)
	// Get returns the opened template id, or an error matching ErrUnknownTemplate.
	Get(id TemplateID) ([]byte, error)
	// List returns the ids held, in increasing order.
	List() ([]TemplateID, error)
	// Delete removes template id, or returns an error matching ErrUnknownTemplate.
	Delete(id TemplateID) error
}

func (p *Process) setup() { p.once.Do(func() { p.sem = make(chan struct{}, 1) }) }

func (p *Process) helloTimeout() time.Duration   { return orDefault(p.HelloTimeout, 3*time.Second) }
func (p *Process) commandTimeout() time.Duration { return orDefault(p.CommandTimeout, 3*time.Second) }

func (p *Process) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// Info implements Sensor. For a host-matching driver, Enrolled counts the templates in
// Templates.
func (p *Process) Info(ctx context.Context) (Info, error) {
	c, err := p.begin(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("info: %w", err)
	}
	defer c.end()
	m, err := c.do(ctx, driver.Request{Op: driver.OpInfo}, false, nil)
	if err != nil {
		return Info{}, fmt.Errorf("info: %w", err)
	}
	i := Info{Model: m.Model, Firmware: m.Firmware, Serial: m.Serial, Protocol: c.hello.Version,
		Capacity: m.Capacity, Enrolled: m.Enrolled}
	if c.host() {
		ids, err := p.Templates.List()
		if err != nil {
			return Info{}, fmt.Errorf("info: %w", err)
		}
		i.Enrolled = len(ids)
	}
	return i, nil
}

// Enroll implements Sensor.
func (p *Process) Enroll(ctx context.Context, captures int, prompts func(Prompt)) (TemplateID, error) {
	if captures < 1 || captures > 10 {
		return 0, fmt.Errorf("enroll: %d captures, want 1..10", captures)
	}
	c, err := p.begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("enroll: %w", err)
	}
	defer c.end()
	m, err := c.do(ctx, driver.Request{Op: driver.OpEnrol, Captures: captures}, true, prompts)
	if err != nil {
		return 0, fmt.Errorf("enroll: %w", err)
	}
	if !c.host() {
		if m.TemplateID == 0 || len(m.Template) != 0 {
			return 0, fmt.Errorf("enroll: %w: a module-matching driver must return a templateId", ErrProtocol)
		}
		return TemplateID(m.TemplateID), nil
	}
	if len(m.Template) == 0 || m.TemplateID != 0 {
		return 0, fmt.Errorf("enroll: %w: a host-matching driver must return a template", ErrProtocol)
	}
	id, err := p.Templates.Add(m.Template)
	clear(m.Template)
	if err != nil {
		return 0, fmt.Errorf("enroll: keeping the template: %w", err)
	}
	return id, nil
}

// Verify implements Sensor.
func (p *Process) Verify(ctx context.Context, id TemplateID, prompts func(Prompt)) (Match, error) {
	if id == 0 {
		return Match{}, fmt.Errorf("verify: %w: template 0", ErrUnknownTemplate)
	}
	c, err := p.begin(ctx)
	if err != nil {
		return Match{}, fmt.Errorf("verify: %w", err)
	}
	defer c.end()
	req := driver.Request{Op: driver.OpVerify, TemplateID: uint32(id)}
	if err := c.ensure(ctx); err != nil {
		return Match{}, fmt.Errorf("verify: %w", err)
	}
	if c.host() {
		t, err := p.Templates.Get(id)
		if err != nil {
			return Match{}, fmt.Errorf("verify: %w", err)
		}
		defer clear(t)
		req = driver.Request{Op: driver.OpVerify, Template: t}
	}
	m, err := c.do(ctx, req, true, prompts)
	if err != nil {
		return Match{}, fmt.Errorf("verify: %w", err)
	}
	if !m.Match {
		return Match{Score: m.Score}, fmt.Errorf("verify: %w", ErrNoMatch)
	}
	return Match{Template: id, Score: m.Score}, nil
}

// Identify implements Sensor.
func (p *Process) Identify(ctx context.Context, prompts func(Prompt)) (Match, error) {
	c, err := p.begin(ctx)
	if err != nil {
		return Match{}, fmt.Errorf("identify: %w", err)
	}
	defer c.end()
	if err := c.ensure(ctx); err != nil {
		return Match{}, fmt.Errorf("identify: %w", err)
	}
	req := driver.Request{Op: driver.OpIdentify}
	held := map[uint32]bool{}
	if c.host() {
		ids, err := p.Templates.List()
		if err != nil {
			return Match{}, fmt.Errorf("identify: %w", err)
		}
		for _, id := range ids {
			t, err := p.Templates.Get(id)
			if err != nil {
				return Match{}, fmt.Errorf("identify: %w", err)
			}
			req.Templates = append(req.Templates, driver.HostTemplate{TemplateID: uint32(id), Template: t})
			held[uint32(id)] = true
		}
		defer func() {
			for _, t := range req.Templates {
				clear(t.Template)
			}
		}()
	}
	m, err := c.do(ctx, req, true, prompts)
	if err != nil {
		return Match{}, fmt.Errorf("identify: %w", err)
	}
	if !m.Match {
		return Match{Score: m.Score}, fmt.Errorf("identify: %w", ErrNoMatch)
	}
	if m.TemplateID == 0 || c.host() && !held[m.TemplateID] {
		return Match{}, fmt.Errorf("identify: %w: match names template %d", ErrProtocol, m.TemplateID)
	}
	return Match{Template: TemplateID(m.TemplateID), Score: m.Score}, nil
}

// Delete implements Sensor. For a host-matching driver it deletes the template from
// Templates and does not ask the driver.
func (p *Process) Delete(ctx context.Context, id TemplateID) error {
	if id == 0 {
		return fmt.Errorf("delete: %w: template 0", ErrUnknownTemplate)
	}
	c, err := p.begin(ctx)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	defer c.end()
	if err := c.ensure(ctx); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if c.host() {
		if err := p.Templates.Delete(id); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		return nil
	}
	if _, err := c.do(ctx, driver.Request{Op: driver.OpDelete, TemplateID: uint32(id)}, false, nil); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

// Cancel implements Sensor.
func (p *Process) Cancel() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		close(p.cancel)
		p.cancel = nil
	}
	return nil
}

// Close implements Sensor: the driver's stdin is closed and the process killed; Close waits,
// at most a second, for it to exit.
func (p *Process) Close() error {
	p.mu.Lock()
	pr := p.proc
	p.proc = nil
	p.closed = true
	p.mu.Unlock()
	if pr != nil {
		pr.kill()
		select {
		case <-pr.dead:
		case <-time.After(time.Second):
		}
	}
	return nil
}

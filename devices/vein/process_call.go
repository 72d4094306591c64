package vein

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/mynumber-shelter/shelter/devices/vein/driver"
	"github.com/mynumber-shelter/shelter/devices/vein/wire"
)

// proc is one run of the driver executable. A proc that died stays dead; Process starts
// another.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	msgs  chan driver.Message
	dead  chan struct{} // closed once stdout has ended and the process was waited for; err says why
	err   error
	hello driver.Message

	wmu      sync.Mutex
	stopOnce sync.Once
	stop     chan struct{}
}

// pcall is one Process call in progress. It holds the driver until end.
type pcall struct {
	p      *Process
	cancel <-chan struct{}
	pr     *proc
	hello  driver.Message
}

func (p *Process) begin(ctx context.Context) (*pcall, error) {
	p.setup()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctxErr(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		<-p.sem
		return nil, ErrClosed
	}
	ch := make(chan struct{})
	p.cancel = ch
	return &pcall{p: p, cancel: ch}, nil
}

func (c *pcall) end() {
	c.p.mu.Lock()
	c.p.cancel = nil
	c.p.mu.Unlock()
	<-c.p.sem
}

func (c *pcall) host() bool { return c.hello.Matching == driver.MatchOnHost }

// ensure makes c.pr a running driver that has answered hello, starting one if there is none
// or the last one died.
func (c *pcall) ensure(ctx context.Context) error {
	if c.pr != nil && !c.pr.failed() {
		return nil
	}
	p := c.p
	p.mu.Lock()
	pr, closed := p.proc, p.closed
	p.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if pr != nil && !pr.failed() {
		pr.drain()
		c.pr, c.hello = pr, pr.hello
		return nil
	}
	if pr != nil {
		p.log().Warn("vein: driver exited, starting it again", "path", p.Path, "err", pr.err)
	}
	pr, err := c.start(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		pr.kill()
		return ErrClosed
	}
	p.proc = pr
	c.pr, c.hello = pr, pr.hello
	return nil
}

// start runs the executable and waits, within HelloTimeout, for its hello.
func (c *pcall) start(ctx context.Context) (*proc, error) {
	p := c.p
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Stderr = &stderrLog{log: p.log()}
	cmd.WaitDelay = time.Second // a grandchild holding stderr must not hang Wait
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: starting driver: %w", ErrDisconnected, err)
	}
	pr := &proc{cmd: cmd, stdin: stdin, msgs: make(chan driver.Message, 16), dead: make(chan struct{}), stop: make(chan struct{})}
	go pr.read(stdout)

	hctx, cancel := context.WithTimeout(ctx, p.helloTimeout())
	defer cancel()
	m, err := c.exchange(hctx, pr, driver.Request{Op: driver.OpHello, Version: driver.Version}, false, nil)
	switch {
	case errors.Is(err, ErrTimeout) && ctx.Err() == nil:
		err = fmt.Errorf("%w: the driver did not answer hello within %v", ErrDisconnected, p.helloTimeout())
	case err != nil:
	case m.Version != driver.Version:
		err = fmt.Errorf("%w: the driver speaks protocol version %d, want %d", ErrVersion, m.Version, driver.Version)
	case m.Matching != driver.MatchOnModule && m.Matching != driver.MatchOnHost:
		err = fmt.Errorf("%w: the driver's matching is %q, want %q or %q", ErrProtocol, m.Matching, driver.MatchOnModule, driver.MatchOnHost)
	case m.Matching == driver.MatchOnHost && p.Templates == nil:
		err = fmt.Errorf("%w: the driver matches on the host and no template store is set", ErrProtocol)
	}
	if err != nil {
		pr.kill()
		return nil, fmt.Errorf("driver %s: %w", p.Path, err)
	}
	pr.hello = m
	p.log().Info("vein: driver started", "path", p.Path, "pid", cmd.Process.Pid, "driver", m.Driver, "matching", m.Matching)
	return pr, nil
}

// do sends req to the driver, starting it if needed, and waits for the reply. hand says the
// request waits for a person: CommandTimeout does not apply, and if it ends early the driver
// is told to cancel.
func (c *pcall) do(ctx context.Context, req driver.Request, hand bool, prompts func(Prompt)) (driver.Message, error) {
	if err := c.ensure(ctx); err != nil {
		return driver.Message{}, err
	}
	if !hand {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.p.commandTimeout())
		defer cancel()
	}
	return c.exchange(ctx, c.pr, req, hand, prompts)
}

// exchange sends req on pr and waits for its reply, passing prompts on.
func (c *pcall) exchange(ctx context.Context, pr *proc, req driver.Request, hand bool, prompts func(Prompt)) (driver.Message, error) {
	c.p.id++
	req.ID = c.p.id
	if err := pr.send(req); err != nil {
		pr.kill()
		return driver.Message{}, fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	stop := func(cause error) error {
		if hand {
			return c.abort(pr, cause)
		}
		pr.kill() // a driver that does not answer a command in time is started again
		c.p.log().Warn("vein: driver did not answer in time; stopping it", "path", c.p.Path, "op", req.Op)
		return cause
	}
	for {
		select {
		case m := <-pr.msgs:
			if m.ID != req.ID {
				continue // left over from an abandoned request
			}
			if m.Event == driver.EventPrompt {
				if prompts != nil {
					prompts(promptOf(m))
				}
				continue
			}
			if m.Event != "" {
				continue // an event of a later protocol
			}
			if m.Error != nil {
				return driver.Message{}, c.replyError(req.Op, m.Error)
			}
			return m, nil
		case <-pr.dead:
			if c.p.isClosed() {
				return driver.Message{}, ErrClosed
			}
			return driver.Message{}, fmt.Errorf("%w: the driver exited: %w", ErrDisconnected, pr.err)
		case <-ctx.Done():
			return driver.Message{}, stop(ctxErr(ctx))
		case <-c.cancel:
			return driver.Message{}, stop(ErrCancelled)
		}
	}
}

// abort sends cancel and waits, within CommandTimeout, for its reply, so that the next
// request finds the driver idle; a driver that does not confirm is killed. It returns cause.
func (c *pcall) abort(pr *proc, cause error) error {
	c.p.id++
	id := c.p.id
	if err := pr.send(driver.Request{ID: id, Op: driver.OpCancel}); err != nil {
		pr.kill()
		return cause
	}
	t := time.NewTimer(c.p.commandTimeout())
	defer t.Stop()
	for {
		select {
		case m := <-pr.msgs:
			if m.ID == id && m.Event == "" {
				return cause
			}
		case <-pr.dead:
			return cause
		case <-t.C:
			c.p.log().Warn("vein: driver did not confirm cancel; stopping it", "path", c.p.Path)
			pr.kill()
			return cause
		}
	}
}

// replyError turns a driver's error into the package's errors. The driver's message goes to
// the log only.
func (c *pcall) replyError(op string, e *driver.Error) error {
	c.p.log().Info("vein: driver error", "op", op, "code", e.Code, "message", truncate(e.Message, 200))
	code, ok := map[driver.Code]wire.Code{
		driver.CodeTimeout:         wire.CodeTimeout,
		driver.CodeCancelled:       wire.CodeCancelled,
		driver.CodeUnknownTemplate: wire.CodeUnknownTemplate,
		driver.CodeDuplicate:       wire.CodeDuplicate,
		driver.CodeCaptureMismatch: wire.CodeCaptureMismatch,
		driver.CodeStorageFull:     wire.CodeStorageFull,
		driver.CodeBusy:            wire.CodeBusy,
	}[e.Code]
	if e.Code == driver.CodeBadRequest {
		return fmt.Errorf("%w: the driver refused %s as malformed", ErrProtocol, op)
	}
	if !ok {
		code = wire.CodeHardware
	}
	return &DeviceError{Code: code}
}

func promptOf(m driver.Message) Prompt {
	k := PromptKind(0xff)
	switch m.Prompt {
	case "place-hand":
		k = PromptPlaceHand
	case "capture-ok":
		k = PromptCaptureOK
	case "lift-hand":
		k = PromptLiftHand
	case "timeout":
		k = PromptTimeout
	}
	return Prompt{Kind: k, Capture: m.Capture, Quality: m.Quality}
}

func (p *Process) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// read decodes stdout into msgs until it ends, then waits for the process.
func (pr *proc) read(stdout io.Reader) {
	defer close(pr.dead)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), driver.MaxLine)
	var err error
	for sc.Scan() {
		var m driver.Message
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.ID == 0 {
			err = fmt.Errorf("%w: the driver wrote a line that is not a message", ErrProtocol)
			break
		}
		select {
		case pr.msgs <- m:
		case <-pr.stop:
		}
	}
	if err == nil {
		err = sc.Err()
	}
	if errors.Is(err, bufio.ErrTooLong) {
		err = fmt.Errorf("%w: the driver wrote a line longer than %d bytes", ErrProtocol, driver.MaxLine)
	}
	pr.kill()
	werr := pr.cmd.Wait()
	if err == nil {
		err = werr
	}
	if err == nil {
		err = io.EOF
	}
	pr.err = err
}

func (pr *proc) send(req driver.Request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	pr.wmu.Lock()
	defer pr.wmu.Unlock()
	_, err = pr.stdin.Write(append(b, '\n'))
	return err
}

// kill stops the process; its reader ends when stdout closes. It does not wait.
func (pr *proc) kill() {
	pr.stopOnce.Do(func() {
		close(pr.stop)
		pr.stdin.Close()
		pr.cmd.Process.Kill()
	})
}

func (pr *proc) failed() bool {
	select {
	case <-pr.dead:
		return true
	default:
		return false
	}
}

// drain drops messages left over from earlier requests.
func (pr *proc) drain() {
	for {
		select {
		case <-pr.msgs:
		default:
			return
		}
	}
}

// stderrLog copies a driver's stderr to the log, one entry per line, each cut to 200 bytes.
type stderrLog struct {
	log *slog.Logger
	buf []byte
}

func (w *stderrLog) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.log.Info("vein driver", "stderr", truncate(string(bytes.TrimRight(w.buf[:i], "\r")), 200))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 4096 { // a line without end
		w.log.Info("vein driver", "stderr", truncate(string(w.buf), 200))
		w.buf = w.buf[:0]
	}
	return len(b), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Package leader runs work on one candidate at a time: candidates share a
// coordination.k8s.io/v1 Lease through client-go's leader election, and only
// the one holding it runs the work.
//
// It adds two guarantees to client-go's: the work stops before the Lease is
// released (client-go releases it first and cancels the work after), and it
// stops as soon as the candidate sees another holder, or once a whole
// RenewDeadline has passed since its last successful renewal, whichever
// comes first; since followers wait a full LeaseDuration, longer than
// RenewDeadline, two candidates never work at once while clocks run at the
// same rate.
package leader

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/validation"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Timings are the Lease's timings, as client-go's leader election takes them.
type Timings struct {
	// LeaseDuration is how long followers wait, after they last saw the
	// Lease renewed, before they take it over. Whole seconds: the Lease
	// records seconds.
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew before it
	// stops; shorter than LeaseDuration.
	RenewDeadline time.Duration
	// RetryPeriod spaces the attempts to acquire or renew.
	RetryPeriod time.Duration
}

// DefaultTimings are the timings of Kubernetes' own controllers.
func DefaultTimings() Timings {
	return Timings{LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second}
}

// ErrInvalidConfig is wrapped by the errors of a Config that can never work.
var ErrInvalidConfig = errors.New("invalid leader election config")

// Validate checks the timings as client-go does, and that LeaseDuration is
// whole seconds.
func (t Timings) Validate() error {
	var errs []error
	if t.LeaseDuration < time.Second || t.LeaseDuration%time.Second != 0 {
		errs = append(errs, fmt.Errorf("%w: lease duration %s: want whole seconds, at least 1s", ErrInvalidConfig, t.LeaseDuration))
	}
	if t.RetryPeriod <= 0 {
		errs = append(errs, fmt.Errorf("%w: retry period %s: want more than 0", ErrInvalidConfig, t.RetryPeriod))
	}
	if t.RenewDeadline >= t.LeaseDuration {
		errs = append(errs, fmt.Errorf("%w: renew deadline %s: want less than the lease duration %s", ErrInvalidConfig, t.RenewDeadline, t.LeaseDuration))
	}
	if floor := time.Duration(leaderelection.JitterFactor * float64(t.RetryPeriod)); t.RenewDeadline <= floor {
		errs = append(errs, fmt.Errorf("%w: renew deadline %s: want more than %v times the retry period (%s)",
			ErrInvalidConfig, t.RenewDeadline, leaderelection.JitterFactor, floor))
	}
	return errors.Join(errs...)
}

// Config says which Lease to hold, as whom, and how.
type Config struct {
	// REST is the client config of the cluster holding the Lease; it is
	// copied, never changed.
	REST *rest.Config
	// Namespace and Name name the Lease; it is created when missing.
	Namespace, Name string
	// Identity names this candidate in the Lease; each candidate needs its
	// own (see NewIdentity).
	Identity string
	Timings
	// Notify receives notices; it may be called from several goroutines.
	// Nil drops them.
	Notify func(Notice)
}

// NoticeKind says what a Notice reports.
type NoticeKind string

// The kinds of notices.
const (
	// Leading: this candidate holds the Lease; the work starts.
	Leading NoticeKind = "leading"
	// Stopped: this candidate has stopped the work; Err says why (nil when
	// ctx ended), and the Lease is released or being lost.
	Stopped NoticeKind = "stopped"
	// Following: another candidate (Identity) holds the Lease.
	Following NoticeKind = "following"
)

// ErrLost is wrapped by the Err of a Stopped notice when the Lease was lost.
var ErrLost = errors.New("lost the lease")

// Notice reports a change of leadership.
type Notice struct {
	Kind NoticeKind
	// Lease is namespace/name.
	Lease string
	// Identity is this candidate's (Leading, Stopped) or the holder's
	// (Following).
	Identity string
	Err      error
}

// String describes the notice in one line.
func (n Notice) String() string {
	switch n.Kind {
	case Leading:
		return fmt.Sprintf("lease %s: leading as %s", n.Lease, n.Identity)
	case Stopped:
		if n.Err != nil {
			return fmt.Sprintf("lease %s: %s stopped: %v", n.Lease, n.Identity, n.Err)
		}
		return fmt.Sprintf("lease %s: %s stopped, releasing the lease", n.Lease, n.Identity)
	case Following:
		return fmt.Sprintf("lease %s: held by %s, waiting", n.Lease, n.Identity)
	}
	return string(n.Kind)
}

// NewIdentity returns hostname followed by "_" and a random suffix, so that
// two candidates on one host (or two pods given one name) stay apart.
func NewIdentity(hostname string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hostname + "_" + hex.EncodeToString(b)
}

func (c *Config) check() error {
	var errs []error
	if c.REST == nil {
		errs = append(errs, fmt.Errorf("%w: no client config", ErrInvalidConfig))
	}
	if c.Identity == "" {
		errs = append(errs, fmt.Errorf("%w: no identity", ErrInvalidConfig))
	}
	for _, msg := range validation.IsDNS1123Subdomain(c.Name) {
		errs = append(errs, fmt.Errorf("%w: lease name %q: %s", ErrInvalidConfig, c.Name, msg))
	}
	for _, msg := range validation.IsDNS1123Label(c.Namespace) {
		errs = append(errs, fmt.Errorf("%w: lease namespace %q: %s", ErrInvalidConfig, c.Namespace, msg))
	}
	if err := c.Timings.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c *Config) notify(n Notice) {
	if c.Notify != nil {
		n.Lease = c.Namespace + "/" + c.Name
		c.Notify(n)
	}
}

// Run campaigns for the Lease until ctx ends. Each time this candidate
// acquires it, lead runs with a context that ends as soon as the Lease is
// lost or ctx ends; after a loss Run campaigns again. When ctx ends, lead
// has returned before the Lease is released, so a follower takes over at
// once. Run returns nil when ctx ends; when lead returns while its context
// is still live, Run releases the Lease and returns lead's error.
func Run(ctx context.Context, cfg Config, lead func(context.Context) error) error {
	if err := cfg.check(); err != nil {
		return err
	}
	rc := rest.CopyConfig(cfg.REST)
	// One hung request must not use up the renew deadline (as
	// resourcelock.NewFromKubeconfig does it).
	rc.Timeout = max(time.Second, cfg.RenewDeadline/2)
	rest.AddUserAgent(rc, "leader-election")
	client, err := coordinationv1.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("lease %s/%s: %w", cfg.Namespace, cfg.Name, err)
	}
	// client-go logs through klog; a library stays quiet.
	ctx = klog.NewContext(ctx, logr.Discard())
	for ctx.Err() == nil {
		lock, err := resourcelock.New(resourcelock.LeasesResourceLock, cfg.Namespace, cfg.Name, nil, client,
			resourcelock.ResourceLockConfig{Identity: cfg.Identity})
		if err != nil {
			return fmt.Errorf("lease %s/%s: %w", cfg.Namespace, cfg.Name, err)
		}
		t := &term{cfg: &cfg, lead: lead}
		if returned, err := t.run(ctx, lock); returned || err != nil {
			return err
		}
		// Lost: campaign again.
	}
	return nil
}

// term is one campaign: acquire, lead, stop.
type term struct {
	cfg    *Config
	lead   func(context.Context) error
	parent context.Context
	// endTerm makes the elector give up: it stops renewing and releases
	// the Lease if it still holds it.
	endTerm context.CancelFunc

	mu        sync.Mutex
	stopped   bool               // no work may start any more
	cancel    context.CancelFunc // ends the work, once it started
	done      chan struct{}      // closed when the work has returned
	lastRenew time.Time          // when the last successful write was sent
	reason    error              // why the work was stopped
	err       error              // the work's error
	returned  bool               // the work returned while its context was live
}

// run runs one term and says whether the work returned on its own, and
// with what error.
func (t *term) run(ctx context.Context, lock resourcelock.Interface) (bool, error) {
	t.parent = ctx
	electCtx, endTerm := context.WithCancel(ctx)
	defer endTerm()
	t.endTerm = endTerm
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            &guardedLock{Interface: lock, t: t},
		LeaseDuration:   t.cfg.LeaseDuration,
		RenewDeadline:   t.cfg.RenewDeadline,
		RetryPeriod:     t.cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Name:            t.cfg.Namespace + "/" + t.cfg.Name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { t.work(electCtx) },
			OnStoppedLeading: func() {},
			OnNewLeader: func(id string) {
				if id != "" && id != t.cfg.Identity {
					t.cfg.notify(Notice{Kind: Following, Identity: id})
				}
			},
		},
	})
	if err != nil {
		return false, fmt.Errorf("%w: lease %s/%s: %w", ErrInvalidConfig, t.cfg.Namespace, t.cfg.Name, err)
	}
	le.Run(electCtx)
	t.stop(t.lostReason("could not renew"))
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.returned, t.err
}

// lostReason is why the work stops when the elector gives the Lease up:
// nil when ctx ended or the work returned, else ErrLost.
func (t *term) lostReason(why string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.returned || t.parent.Err() != nil {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrLost, why)
}

// work runs lead while this candidate leads, with a watchdog that stops it
// once RenewDeadline has passed since the last successful renewal.
func (t *term) work(electCtx context.Context) {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(electCtx)
	t.cancel, t.done = cancel, make(chan struct{})
	t.mu.Unlock()
	t.cfg.notify(Notice{Kind: Leading, Identity: t.cfg.Identity})

	var watchdog sync.WaitGroup
	watchdog.Go(func() {
		tick := time.NewTicker(max(t.cfg.RetryPeriod/4, 10*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				t.mu.Lock()
				late := now.Sub(t.lastRenew) > t.cfg.RenewDeadline
				t.mu.Unlock()
				if late {
					t.stopAsync(fmt.Errorf("%w: not renewed within the renew deadline %s", ErrLost, t.cfg.RenewDeadline))
					t.endTerm()
					return
				}
			}
		}
	})
	err := t.lead(ctx)
	returned := ctx.Err() == nil
	cancel()
	watchdog.Wait()
	t.mu.Lock()
	t.err, t.returned = err, returned
	reason := t.reason
	t.mu.Unlock()
	t.cfg.notify(Notice{Kind: Stopped, Identity: t.cfg.Identity, Err: reason})
	close(t.done)
	if returned {
		t.endTerm()
	}
}

// stopAsync cancels the work (and keeps any work from starting), keeping
// the first reason.
func (t *term) stopAsync(reason error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancel == nil || t.stopped {
		t.stopped = true
		return
	}
	t.stopped, t.reason = true, reason
	t.cancel()
}

// stop cancels the work and waits until it has returned.
func (t *term) stop(reason error) {
	t.stopAsync(reason)
	t.mu.Lock()
	done := t.done
	t.mu.Unlock()
	if done != nil {
		<-done
	}
}

// leading reports whether the work has started and not been stopped.
func (t *term) leading() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cancel != nil && !t.stopped
}

// guardedLock is the Lease lock as the elector sees it: it stops the work
// before the Lease is released and as soon as another holder is seen, and
// records each successful renewal for the watchdog.
type guardedLock struct {
	resourcelock.Interface
	t *term
}

func (g *guardedLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := g.Interface.Get(ctx)
	if err == nil && rec.HolderIdentity != "" && rec.HolderIdentity != g.t.cfg.Identity && g.t.leading() {
		g.t.stop(fmt.Errorf("%w: now held by %s", ErrLost, rec.HolderIdentity))
		g.t.endTerm()
	}
	return rec, raw, err
}

func (g *guardedLock) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	return g.write(ctx, rec, g.Interface.Create)
}

func (g *guardedLock) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	return g.write(ctx, rec, g.Interface.Update)
}

func (g *guardedLock) write(ctx context.Context, rec resourcelock.LeaderElectionRecord,
	write func(context.Context, resourcelock.LeaderElectionRecord) error) error {
	if rec.HolderIdentity != g.t.cfg.Identity {
		// A release: the work stops first.
		g.t.stop(g.t.lostReason("could not renew"))
		return write(ctx, rec)
	}
	sent := time.Now()
	if err := write(ctx, rec); err != nil {
		return err
	}
	g.t.mu.Lock()
	g.t.lastRenew = sent
	g.t.mu.Unlock()
	return nil
}

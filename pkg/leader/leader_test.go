package leader_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
	"github.com/kcfg-dev/kcfg/pkg/leader"
)

// The tests share one control plane; each uses a Lease of its own.
var cluster *testcluster.Cluster

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	c, err := testcluster.StartMain(testcluster.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	cluster = c
	return m.Run()
}

// fast are short timings for tests.
var fast = leader.Timings{LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond}

func leases(t *testing.T) coordinationv1.LeaseInterface {
	t.Helper()
	c, err := coordinationv1.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	return c.Leases("default")
}

// notices collects the notices of every candidate.
type notices struct {
	mu  sync.Mutex
	all []leader.Notice
}

func (n *notices) add(x leader.Notice) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, x)
}

func (n *notices) find(kind leader.NoticeKind, identity string) []leader.Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []leader.Notice
	for _, x := range n.all {
		if x.Kind == kind && x.Identity == identity {
			out = append(out, x)
		}
	}
	return out
}

func (n *notices) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var b strings.Builder
	for _, x := range n.all {
		fmt.Fprintln(&b, x)
	}
	return b.String()
}

func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// candidate is one leader.Run in the background.
type candidate struct {
	id     string
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg leader.Config, lead func(context.Context) error) *candidate {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	c := &candidate{id: cfg.Identity, cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- leader.Run(ctx, cfg, lead) }()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

func (c *candidate) stop(t *testing.T) {
	t.Helper()
	c.cancel()
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("%s: Run: %v", c.id, err)
		}
		c.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Run did not return after cancel", c.id)
	}
}

// TestOneLeaderAtATime runs three candidates and stops the leader three
// times: one works at a time, every one works in turn, and each takeover
// after a release takes far less than the lease duration.
func TestOneLeaderAtATime(t *testing.T) {
	var ns notices
	var mu sync.Mutex
	working := map[string]bool{}
	var overlaps []string
	lead := func(id string) func(context.Context) error {
		return func(ctx context.Context) error {
			mu.Lock()
			for other := range working {
				overlaps = append(overlaps, other+" and "+id)
			}
			working[id] = true
			mu.Unlock()
			<-ctx.Done()
			// Stopping takes a while: the Lease must not be released meanwhile.
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			delete(working, id)
			mu.Unlock()
			return nil
		}
	}
	current := func() string {
		mu.Lock()
		defer mu.Unlock()
		for id := range working {
			return id
		}
		return ""
	}
	cands := map[string]*candidate{}
	for _, id := range []string{"a", "b", "c"} {
		cands[id] = start(t, leader.Config{REST: cluster.Config, Namespace: "default", Name: "one-at-a-time",
			Identity: id, Timings: fast, Notify: ns.add}, lead(id))
	}
	led := map[string]bool{}
	for range 3 {
		waitFor(t, "a leader", 10*time.Second, func() bool { return current() != "" })
		id := current()
		if led[id] {
			t.Fatalf("%s leads twice; notices:\n%s", id, &ns)
		}
		led[id] = true
		if len(ns.find(leader.Leading, id)) == 0 {
			t.Errorf("no leading notice for %s", id)
		}
		stopped := time.Now()
		cands[id].stop(t)
		if len(ns.find(leader.Stopped, id)) != 1 {
			t.Errorf("%s: want one stopped notice; notices:\n%s", id, &ns)
		}
		if len(led) < 3 {
			waitFor(t, "a new leader", fast.LeaseDuration, func() bool { return current() != "" })
			if d := time.Since(stopped); d > fast.LeaseDuration {
				t.Errorf("takeover after a release took %s", d)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(overlaps) > 0 {
		t.Errorf("worked at the same time: %v", overlaps)
	}
	lease, err := leases(t).Get(t.Context(), "one-at-a-time", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := ptr.Deref(lease.Spec.HolderIdentity, ""); h != "" {
		t.Errorf("lease still held by %q after every candidate stopped", h)
	}
	if got := ptr.Deref(lease.Spec.LeaseTransitions, 0); got < 2 {
		t.Errorf("lease transitions %d, want at least 2", got)
	}
}

// TestStopsWhenLeaseTaken gives the Lease to someone else: the leader stops
// well within the renew deadline, follows, and leads again once the Lease
// is gone.
func TestStopsWhenLeaseTaken(t *testing.T) {
	var ns notices
	var terms atomic.Int32
	var stoppedAt atomic.Pointer[time.Time]
	cfg := leader.Config{REST: cluster.Config, Namespace: "default", Name: "taken", Identity: "a", Timings: fast, Notify: ns.add}
	start(t, cfg, func(ctx context.Context) error {
		terms.Add(1)
		<-ctx.Done()
		now := time.Now()
		stoppedAt.Store(&now)
		return nil
	})
	waitFor(t, "a to lead", 10*time.Second, func() bool { return terms.Load() == 1 })

	leaseClient := leases(t)
	var taken time.Time
	for {
		lease, err := leaseClient.Get(t.Context(), "taken", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		lease.Spec.HolderIdentity = ptr.To("thief")
		lease.Spec.LeaseDurationSeconds = ptr.To[int32](3600)
		lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
		taken = time.Now()
		if _, err = leaseClient.Update(t.Context(), lease, metav1.UpdateOptions{}); err == nil {
			break
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	waitFor(t, "a to stop", fast.RenewDeadline, func() bool { return stoppedAt.Load() != nil })
	// client-go alone would go on until the renew deadline (1.5s).
	if d := stoppedAt.Load().Sub(taken); d > time.Second {
		t.Errorf("a stopped %s after the lease was taken, want at once", d)
	}
	waitFor(t, "the stopped notice", time.Second, func() bool { return len(ns.find(leader.Stopped, "a")) == 1 })
	if err := ns.find(leader.Stopped, "a")[0].Err; !errors.Is(err, leader.ErrLost) || !strings.Contains(err.Error(), "thief") {
		t.Errorf("stopped because %v, want ErrLost naming thief", err)
	}
	waitFor(t, "the following notice", time.Second, func() bool { return len(ns.find(leader.Following, "thief")) > 0 })
	time.Sleep(fast.LeaseDuration)
	if n := terms.Load(); n != 1 {
		t.Fatalf("a led %d times while thief held the lease", n)
	}

	if err := leaseClient.Delete(t.Context(), "taken", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a to lead again", 5*time.Second, func() bool { return terms.Load() == 2 })
}

// cutTransport makes every request hang until its context ends, once cut,
// as a network partition does.
type cutTransport struct {
	rt  http.RoundTripper
	cut *atomic.Bool
}

func (c cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.cut.Load() {
		<-r.Context().Done()
		return nil, fmt.Errorf("connection cut by the test: %w", r.Context().Err())
	}
	return c.rt.RoundTrip(r)
}

// TestStopsWithoutRenewal cuts the leader off the API server, its requests
// hanging: it stops within the renew deadline, before a follower could take
// over, and does not wait for client-go's own release attempt to time out.
func TestStopsWithoutRenewal(t *testing.T) {
	var ns notices
	var cut atomic.Bool
	rc := rest.CopyConfig(cluster.Config)
	rc.Wrap(func(rt http.RoundTripper) http.RoundTripper { return cutTransport{rt: rt, cut: &cut} })
	var leading atomic.Bool
	stopped := make(chan time.Time, 1)
	timings := fast
	timings.LeaseDuration = 3 * time.Second
	start(t, leader.Config{REST: rc, Namespace: "default", Name: "cut", Identity: "a", Timings: timings, Notify: ns.add},
		func(ctx context.Context) error {
			leading.Store(true)
			<-ctx.Done()
			stopped <- time.Now()
			return nil
		})
	waitFor(t, "a to lead", 10*time.Second, leading.Load)
	cutAt := time.Now()
	cut.Store(true)
	// The watchdog stops the work a renew deadline (1.5s) after the last
	// renewal; client-go alone stops it only after its release attempt has
	// timed out too, close to the 3s after which a follower takes over.
	select {
	case at := <-stopped:
		if d := at.Sub(cutAt); d > timings.RenewDeadline+700*time.Millisecond {
			t.Errorf("stopped %s after the cut, want within the renew deadline %s", d, timings.RenewDeadline)
		}
	case <-time.After(timings.LeaseDuration + time.Second):
		t.Fatalf("still leading %s after the cut; notices:\n%s", timings.LeaseDuration+time.Second, &ns)
	}
	waitFor(t, "the stopped notice", time.Second, func() bool { return len(ns.find(leader.Stopped, "a")) == 1 })
	if err := ns.find(leader.Stopped, "a")[0].Err; !errors.Is(err, leader.ErrLost) {
		t.Errorf("stopped because %v, want ErrLost", err)
	}
}

// TestLeadError: work that fails ends Run with its error and releases the
// Lease.
func TestLeadError(t *testing.T) {
	boom := errors.New("boom")
	err := leader.Run(t.Context(), leader.Config{REST: cluster.Config, Namespace: "default", Name: "fails", Identity: "a", Timings: fast},
		func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Run: %v, want boom", err)
	}
	lease, err := leases(t).Get(t.Context(), "fails", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := ptr.Deref(lease.Spec.HolderIdentity, ""); h != "" {
		t.Errorf("lease held by %q after Run returned", h)
	}
}

func TestConfigErrors(t *testing.T) {
	good := leader.Config{REST: &rest.Config{Host: "https://127.0.0.1:1"}, Namespace: "default", Name: "kcfg-watch", Identity: "a", Timings: leader.DefaultTimings()}
	tests := []struct {
		name string
		edit func(*leader.Config)
		want []string
	}{
		{"lease not whole seconds", func(c *leader.Config) { c.LeaseDuration = 1500 * time.Millisecond }, []string{"lease duration 1.5s"}},
		{"renew not below lease", func(c *leader.Config) { c.RenewDeadline = 15 * time.Second }, []string{"renew deadline 15s: want less than the lease duration"}},
		{"retry too long", func(c *leader.Config) { c.RetryPeriod = 9 * time.Second }, []string{"1.2 times the retry period"}},
		{"retry zero", func(c *leader.Config) { c.RetryPeriod = 0 }, []string{"retry period 0s"}},
		{"names", func(c *leader.Config) { c.Name, c.Namespace, c.Identity = "Bad_Name", "", "" },
			[]string{`lease name "Bad_Name"`, `lease namespace ""`, "no identity"}},
		{"no client config", func(c *leader.Config) { c.REST = nil }, []string{"no client config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			called := false
			err := leader.Run(t.Context(), cfg, func(context.Context) error { called = true; return nil })
			if !errors.Is(err, leader.ErrInvalidConfig) {
				t.Fatalf("error %v, want ErrInvalidConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if called {
				t.Error("lead was called")
			}
		})
	}
	if err := leader.DefaultTimings().Validate(); err != nil {
		t.Errorf("default timings: %v", err)
	}
}

func TestNewIdentity(t *testing.T) {
	a, b := leader.NewIdentity("pod-1"), leader.NewIdentity("pod-1")
	if !strings.HasPrefix(a, "pod-1_") || len(a) != len("pod-1_")+8 {
		t.Errorf("identity %q, want pod-1_ and 8 hex digits", a)
	}
	if a == b {
		t.Errorf("two identities are both %q", a)
	}
}

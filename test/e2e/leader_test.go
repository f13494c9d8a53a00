package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
	"github.com/kcfg-dev/kcfg/internal/testcluster"
)

// Short lease timings: a crashed leader is replaced within 2 s.
var fastLease = []string{"--lease-duration", "2s", "--renew-deadline", "1500ms", "--retry-period", "250ms"}

// inCluster is what a pod of deploy/30-deployment.yaml would see.
type inCluster struct {
	env   map[string]string
	saDir string
	// args are the Deployment's kcfg arguments, plus --service-account-dir
	// and short lease timings.
	args []string
}

// deploy creates every object of deploy/ in c, as kubectl apply -f deploy/
// would, then issues a token for its service account and writes the
// service account folder that the kubelet would mount.
func deploy(t *testing.T, c *testcluster.Cluster) inCluster {
	t.Helper()
	disc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := restmapper.GetAPIGroupResources(disc)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(testcluster.RepoRoot(t), "deploy", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/ (%v)", err)
	}
	var args []string
	var saName, saNamespace string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			js, err := yaml.YAMLToJSON(doc)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if string(bytes.TrimSpace(js)) == "null" {
				continue
			}
			obj := &unstructured.Unstructured{}
			if err := obj.UnmarshalJSON(js); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			gvk := obj.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			// Strict field validation: the API server refuses unknown fields.
			opts := metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}
			if _, err := dyn.Resource(m.Resource).Namespace(obj.GetNamespace()).Create(t.Context(), obj, opts); err != nil {
				t.Fatalf("%s: creating %s %s: %v", file, gvk.Kind, obj.GetName(), err)
			}
			switch gvk.Kind {
			case "ServiceAccount":
				saName, saNamespace = obj.GetName(), obj.GetNamespace()
			case "Deployment":
				containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
				if len(containers) != 1 {
					t.Fatalf("%s: %d containers", file, len(containers))
				}
				a, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
				args = a
			}
		}
	}
	if args == nil || saName == "" {
		t.Fatal("deploy/ has no Deployment or no ServiceAccount")
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cs.CoreV1().ServiceAccounts(saNamespace).CreateToken(t.Context(), saName,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string]string{"token": tok.Status.Token, "ca.crt": string(c.Config.CAData), "namespace": saNamespace} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	u, err := url.Parse(c.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	return inCluster{
		env:   map[string]string{"KUBERNETES_SERVICE_HOST": u.Hostname(), "KUBERNETES_SERVICE_PORT": u.Port()},
		saDir: dir,
		args:  append(append(slices.Clone(args), "--service-account-dir", dir), fastLease...),
	}
}

// lineLog records each line written to it with the time it was written.
type lineLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []logLine
}

type logLine struct {
	at   time.Time
	text string
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.lines = append(l.lines, logLine{at: now, text: string(l.partial[:i])})
		l.partial = l.partial[i+1:]
	}
}

func (l *lineLog) all() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

func (l *lineLog) String() string {
	var b strings.Builder
	for _, x := range l.all() {
		fmt.Fprintf(&b, "%s %s\n", x.at.Format("15:04:05.000"), x.text)
	}
	return b.String()
}

// replica is one kcfg watch of the Deployment, run in-process.
type replica struct {
	name   string
	out    *lineLog
	errOut *syncBuffer
	cancel context.CancelFunc
	code   chan int
}

func startReplica(t *testing.T, name string, ic inCluster) *replica {
	t.Helper()
	r := &replica{name: name, out: &lineLog{}, errOut: &syncBuffer{}, code: make(chan int, 1)}
	f := &cli.Factory{IO: &iostreams.IOStreams{In: strings.NewReader(""), Out: r.out, ErrOut: r.errOut},
		Getenv: func(k string) string { return ic.env[k] }, Now: time.Now}
	ctx, cancel := context.WithCancel(t.Context())
	r.cancel = cancel
	go func() { r.code <- cli.Run(ctx, f, ic.args) }()
	t.Cleanup(func() { cancel(); <-r.code })
	return r
}

func (r *replica) state() string {
	return fmt.Sprintf("%s stderr:\n%s\n%s stdout:\n%s", r.name, r.errOut, r.name, r.out)
}

var leadingRE = regexp.MustCompile(`lease kcfg/kcfg-watch: leading as (\S+)`)

// leading returns the identity the replica leads as, or "".
func (r *replica) leading() string {
	if m := leadingRE.FindAllStringSubmatch(r.errOut.String(), -1); len(m) > 0 {
		return m[len(m)-1][1]
	}
	return ""
}

// watchEvent is the part of a JSON event line the tests look at.
type watchEvent struct {
	Type, Context, Namespace, Name, ResourceVersion string
	Initial                                         bool
	at                                              time.Time
}

func (e watchEvent) key() string {
	return e.Type + " " + e.Namespace + "/" + e.Name + "@" + e.ResourceVersion
}

func (r *replica) events(t *testing.T) []watchEvent {
	t.Helper()
	var out []watchEvent
	for _, l := range r.out.all() {
		var ev watchEvent
		if err := json.Unmarshal([]byte(l.text), &ev); err != nil {
			t.Fatalf("%s: line %q: %v", r.name, l.text, err)
		}
		ev.at = l.at
		out = append(out, ev)
	}
	return out
}

// delivered reports whether the replica delivered a live (not initial)
// event of that type for namespace/name.
func (r *replica) delivered(t *testing.T, typ, name string) bool {
	for _, ev := range r.events(t) {
		if !ev.Initial && ev.Type == typ && ev.Namespace+"/"+ev.Name == name {
			return true
		}
	}
	return false
}

func newDeployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.invalid/none"}}},
			},
		},
	}
}

// syncedInCluster is what a replica prints once its informers have synced.
const syncedInCluster = `context "in-cluster": watching deployments.v1.apps in all namespaces`

// leaderCluster starts an API server with deploy/ applied and returns the
// in-cluster settings of its service account, an admin clientset, and a
// function that creates a Deployment in namespace default.
func leaderCluster(t *testing.T) (inCluster, *kubernetes.Clientset, func(name string)) {
	t.Helper()
	c := testcluster.Start(t, testcluster.Options{})
	ic := deploy(t, c)
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	create := func(name string) {
		t.Helper()
		if _, err := cs.AppsV1().Deployments("default").Create(t.Context(), newDeployment(name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return ic, cs, create
}

// TestWatchLeaderElection runs the Deployment of deploy/ as two in-process
// replicas against a real API server, with the service account's token and
// the least rights of deploy/20-rbac.yaml: one delivers, the other waits;
// when the leader shuts down it stops delivering, releases the Lease and the
// other takes over at once and delivers what follows. No event is ever
// delivered by both, nor by both at the same time.
func TestWatchLeaderElection(t *testing.T) {
	ic, cs, create := leaderCluster(t)
	deployments := cs.AppsV1().Deployments("default")

	a := startReplica(t, "a", ic)
	waitFor(t, "a to lead and sync", func() bool { return a.leading() != "" && strings.Contains(a.errOut.String(), syncedInCluster) }, a.state)
	idA := a.leading()
	if !strings.Contains(a.errOut.String(), syncedInCluster+" (1 objects)") {
		t.Errorf("a's initial list should hold the kcfg-watch Deployment alone:\n%s", a.state())
	}
	b := startReplica(t, "b", ic)
	waitFor(t, "b to see a's lease", func() bool { return strings.Contains(b.errOut.String(), "held by "+idA+", waiting") }, b.state)

	// While both run, a alone delivers.
	create("one")
	create("two")
	waitFor(t, "a to deliver one and two", func() bool {
		return a.delivered(t, "ADDED", "default/one") && a.delivered(t, "ADDED", "default/two")
	}, a.state)
	time.Sleep(500 * time.Millisecond)
	if evs := b.events(t); len(evs) > 0 || b.leading() != "" {
		t.Fatalf("b delivered while a leads:\n%s", b.state())
	}

	// a shuts down (SIGTERM in a pod): b takes over at once.
	stopped := time.Now()
	a.cancel()
	if code := <-a.code; code != cli.ExitInterrupted {
		t.Errorf("a: exit %d, want %d", code, cli.ExitInterrupted)
	}
	a.code <- cli.ExitInterrupted
	if !strings.Contains(a.errOut.String(), "lease kcfg/kcfg-watch: "+idA+" stopped") {
		t.Errorf("a did not report that it stopped:\n%s", a.state())
	}
	waitFor(t, "b to lead and sync", func() bool { return b.leading() != "" && strings.Contains(b.errOut.String(), syncedInCluster) }, b.state)
	if d := time.Since(stopped); d > 2*time.Second {
		t.Errorf("b took over %s after a stopped, want well within the lease duration after a release", d)
	}
	lease, err := cs.CoordinationV1().Leases("kcfg").Get(t.Context(), "kcfg-watch", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := ptr.Deref(lease.Spec.HolderIdentity, ""); h != b.leading() || h == idA {
		t.Errorf("lease held by %q, want b (%q)", h, b.leading())
	}

	// b delivers what follows; a delivers nothing more.
	aEvents := len(a.events(t))
	create("three")
	scale, err := deployments.Get(t.Context(), "one", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = ptr.To[int32](3)
	if _, err := deployments.Update(t.Context(), scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := deployments.Delete(t.Context(), "two", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to deliver three, one's update and two's deletion", func() bool {
		return b.delivered(t, "ADDED", "default/three") && b.delivered(t, "MODIFIED", "default/one") && b.delivered(t, "DELETED", "default/two")
	}, b.state)
	if n := len(a.events(t)); n != aEvents {
		t.Errorf("a delivered %d events after it stopped:\n%s", n-aEvents, a.state())
	}

	// No live event twice, and no overlap in time.
	seen := map[string]string{}
	for _, r := range []*replica{a, b} {
		for _, ev := range r.events(t) {
			if ev.Context != "in-cluster" {
				t.Errorf("%s: event of context %q, want in-cluster", r.name, ev.Context)
			}
			if ev.Initial {
				continue
			}
			if other, ok := seen[ev.key()]; ok {
				t.Errorf("%s delivered by %s and %s", ev.key(), other, r.name)
			}
			seen[ev.key()] = r.name
		}
	}
	aLines, bLines := a.out.all(), b.out.all()
	if last, first := aLines[len(aLines)-1].at, bLines[0].at; !last.Before(first) {
		t.Errorf("a delivered until %s, b from %s: they overlap", last.Format("15:04:05.000"), first.Format("15:04:05.000"))
	}
}

// process is one kcfg watch of the Deployment, run as a process of the
// kcfg binary.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    *lineLog
	errOut *syncBuffer
	done   chan struct{}
}

func startProcess(t *testing.T, bin, name string, ic inCluster) *process {
	t.Helper()
	p := &process{name: name, out: &lineLog{}, errOut: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, ic.args...)
	p.cmd.Env = []string{"KUBERNETES_SERVICE_HOST=" + ic.env["KUBERNETES_SERVICE_HOST"], "KUBERNETES_SERVICE_PORT=" + ic.env["KUBERNETES_SERVICE_PORT"]}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.errOut
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *process) state() string {
	return fmt.Sprintf("%s stderr:\n%s\n%s stdout:\n%s", p.name, p.errOut, p.name, p.out)
}

func (p *process) leading() string {
	if m := leadingRE.FindAllStringSubmatch(p.errOut.String(), -1); len(m) > 0 {
		return m[len(m)-1][1]
	}
	return ""
}

func (p *process) delivered(name string, initial bool) bool {
	for _, l := range p.out.all() {
		var ev watchEvent
		if json.Unmarshal([]byte(l.text), &ev) == nil && ev.Namespace+"/"+ev.Name == name && ev.Initial == initial {
			return true
		}
	}
	return false
}

func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not exit:\n%s", p.name, p.state())
		return -1
	}
}

// TestWatchLeaderElectionProcesses runs the Deployment of deploy/ as
// processes of the kcfg binary. A leader killed with SIGKILL cannot release
// the Lease: the follower takes over once the lease duration has run out,
// and lists what changed meanwhile. A leader sent SIGTERM, as the kubelet
// does, stops delivering, releases the Lease and exits 130; a follower takes
// over at once.
func TestWatchLeaderElectionProcesses(t *testing.T) {
	bin := buildKcfg(t)
	ic, _, create := leaderCluster(t)

	a := startProcess(t, bin, "a", ic)
	waitFor(t, "a to lead and sync", func() bool { return a.leading() != "" && strings.Contains(a.errOut.String(), syncedInCluster) }, a.state)
	b := startProcess(t, bin, "b", ic)
	waitFor(t, "b to see a's lease", func() bool { return strings.Contains(b.errOut.String(), "held by "+a.leading()) }, b.state)
	create("one")
	waitFor(t, "a to deliver one", func() bool { return a.delivered("default/one", false) }, a.state)

	// SIGKILL: no release; b waits out the lease duration.
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-a.done
	create("gap")
	waitFor(t, "b to lead and sync", func() bool { return b.leading() != "" && strings.Contains(b.errOut.String(), syncedInCluster) }, b.state)
	took := time.Since(killed)
	// The lease duration is 2s, counted from the last renewal b saw, which
	// is at most a retry period (250ms, plus jitter) before the kill.
	if took > 3*time.Second || took < 1500*time.Millisecond {
		t.Errorf("b took over %s after a was killed, want once the 2s lease duration has run out", took)
	}
	t.Logf("b took over %s after a was killed", took)
	if !b.delivered("default/gap", true) || !b.delivered("default/one", true) {
		t.Errorf("b's initial list lacks one or gap:\n%s", b.state())
	}
	create("two")
	waitFor(t, "b to deliver two", func() bool { return b.delivered("default/two", false) }, b.state)
	if a.delivered("default/gap", false) || a.delivered("default/two", false) {
		t.Errorf("a delivered after it was killed:\n%s", a.state())
	}

	// SIGTERM: b stops, releases, exits 130; c takes over at once.
	cc := startProcess(t, bin, "c", ic)
	waitFor(t, "c to see b's lease", func() bool { return strings.Contains(cc.errOut.String(), "held by "+b.leading()) }, cc.state)
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	termed := time.Now()
	if code := b.wait(t); code != cli.ExitInterrupted {
		t.Errorf("b: exit %d after SIGTERM, want %d:\n%s", code, cli.ExitInterrupted, b.state())
	}
	if !strings.Contains(b.errOut.String(), "stopped, releasing the lease") {
		t.Errorf("b did not report its release:\n%s", b.state())
	}
	waitFor(t, "c to lead and sync", func() bool { return cc.leading() != "" && strings.Contains(cc.errOut.String(), syncedInCluster) }, cc.state)
	if d := time.Since(termed); d > 1500*time.Millisecond {
		t.Errorf("c took over %s after SIGTERM to b, want at once (well under the 2s lease duration)", d)
	}
	create("three")
	waitFor(t, "c to deliver three", func() bool { return cc.delivered("default/three", false) }, cc.state)
	if b.delivered("default/three", false) {
		t.Errorf("b delivered after it stopped:\n%s", b.state())
	}
	bLines, cLines := b.out.all(), cc.out.all()
	if last, first := bLines[len(bLines)-1].at, cLines[0].at; !last.Before(first) {
		t.Errorf("b delivered until %s, c from %s: they overlap", last.Format("15:04:05.000"), first.Format("15:04:05.000"))
	}
}

// Command demo runs kcfg's main job on a local control plane: two API
// servers (etcd and kube-apiserver from bin/, started through envtest on
// 127.0.0.1) stand in for two clusters. It writes a kubeconfig for them in a
// temporary folder, runs kcfg on it with HOME and KUBECONFIG pointing there
// (the user's own ~/.kube/config is never read or written), then kcfg's
// read-only commands on the seed kubeconfig and on examples/multi, and
// stops everything when done or interrupted (Ctrl-C).
//
// Commands that the kcfg binary does not have yet are skipped with a note.
// Run it with `make demo`.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func main() {
	os.Exit(run())
}

// demo holds what the steps share.
type demo struct {
	ctx    context.Context
	kcfg   string
	dir    string   // the repository, where every kcfg runs
	env    []string // the environment of every kcfg run
	out    io.Writer
	bold   bool
	failed bool
}

// options say what the demo runs, where, and where it writes.
type options struct {
	kcfg   string // the kcfg binary
	assets string // folder holding etcd and kube-apiserver
	dir    string // the repository
	out    io.Writer
	bold   bool
}

func run() int {
	kcfg := flag.String("kcfg", "bin/kcfg", "the kcfg binary to run")
	assets := flag.String("assets", os.Getenv("KUBEBUILDER_ASSETS"), "folder holding etcd and kube-apiserver (default bin/)")
	flag.Parse()
	if *assets == "" {
		*assets = "bin"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		return 1
	}
	code, err := runDemo(ctx, options{kcfg: *kcfg, assets: *assets, dir: dir, out: os.Stdout,
		bold: term.IsTerminal(int(os.Stdout.Fd()))})
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "demo: interrupted; everything is stopped")
		return 130
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		return 1
	}
	return code
}

// runDemo runs the demo and returns its exit code; every process it starts
// is stopped and every file it writes removed before it returns, also when
// ctx ends early.
func runDemo(ctx context.Context, o options) (int, error) {
	kcfg, assets := o.kcfg, o.assets
	if !filepath.IsAbs(kcfg) {
		kcfg = filepath.Join(o.dir, kcfg)
	}
	if !filepath.IsAbs(assets) {
		assets = filepath.Join(o.dir, assets)
	}
	for _, name := range []string{kcfg, filepath.Join(assets, "etcd"), filepath.Join(assets, "kube-apiserver")} {
		if _, err := os.Stat(name); err != nil {
			return 1, fmt.Errorf("%s is missing: run make demo, which builds it", name)
		}
	}
	tmp, err := os.MkdirTemp("", "kcfg-demo-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(tmp)
	home := filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return 1, err
	}

	d := &demo{ctx: ctx, kcfg: kcfg, dir: o.dir, out: o.out, bold: o.bold}
	d.note("starting two API servers on 127.0.0.1 (etcd and kube-apiserver from %s)", assets)
	one, err := startCluster(ctx, assets)
	if err != nil {
		return 1, fmt.Errorf("starting the first API server: %w", err)
	}
	defer stopCluster(one)
	two, err := startCluster(ctx, assets)
	if err != nil {
		return 1, fmt.Errorf("starting the second API server: %w", err)
	}
	defer stopCluster(two)
	d.note("cluster one: %s", strings.TrimSuffix(one.Config.Host, "/"))
	d.note("cluster two: %s", strings.TrimSuffix(two.Config.Host, "/"))

	clusters := map[string]*envtest.Environment{"one": one, "two": two}
	kubeconfig := filepath.Join(tmp, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, clusters); err != nil {
		return 1, err
	}
	d.env = append(os.Environ(), "HOME="+home, "KUBECONFIG="+kubeconfig)
	d.note("HOME=%s KUBECONFIG=%s", home, kubeconfig)

	d.kcfgStep("list")
	if d.has("lint") {
		d.kcfgStep("lint")
	}
	d.kcfgStep("check", "--all", "--timeout", "3s")
	d.kcfgStep("check", "-o", "wide")
	if d.has("use") {
		d.kcfgStep("use", "two-admin")
		d.kcfgStep("current")
		d.kcfgStep("use", "-")
		d.kcfgStep("current")
	}
	if d.has("ns") {
		d.kcfgStep("ns", "kube-system")
		d.kcfgStep("list")
		d.kcfgStep("ns")
		d.kcfgStep("ns", "-")
	}
	if err := d.watchStep(clusters); err != nil {
		return 1, err
	}

	// Read-only commands on files that point at servers nobody may
	// contact: no check here.
	seed := filepath.Join("testdata", "seed-kubeconfig.yaml")
	d.kcfgStep("list", "--kubeconfig", seed)
	d.kcfgStep("current", "--kubeconfig", seed)
	d.kcfgStep("view", "--kubeconfig", seed)
	multi := "examples/multi/dev.yaml" + string(os.PathListSeparator) + "examples/multi/prod.yaml"
	d.env = append(os.Environ(), "HOME="+home, "KUBECONFIG="+multi)
	d.note("KUBECONFIG=%s", multi)
	d.kcfgStep("list", "-o", "wide")
	d.kcfgStep("current")
	d.kcfgStep("view", "--minify", "--context", "prod-ci")

	if ctx.Err() != nil {
		return 130, nil
	}
	d.note("stopping the API servers")
	if d.failed {
		return 1, nil
	}
	return 0, nil
}

// watchStep watches a custom resource on both clusters while widgets are
// created, changed and deleted. It runs once kcfg has a watch command.
func (d *demo) watchStep(clusters map[string]*envtest.Environment) error {
	if !d.has("watch") {
		return nil
	}
	args := []string{"watch", "widgets", "--all-contexts", "-n", "default"}
	d.title("kcfg " + strings.Join(args, " ") + " &")
	ctx, cancel := context.WithCancel(d.ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.kcfg, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = d.dir, d.env, d.out, d.out
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	pause := func(t time.Duration) {
		select {
		case <-d.ctx.Done():
		case <-time.After(t):
		}
	}
	pause(3 * time.Second)
	for _, name := range []string{"one", "two"} {
		dyn, err := dynamic.NewForConfig(clusters[name].Config)
		if err != nil {
			return err
		}
		widgets := dyn.Resource(widgetGVR).Namespace("default")
		w := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "demo.kcfg.dev/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "widget-" + name},
			"spec":     map[string]any{"size": int64(1)},
		}}
		d.note("creating, changing and deleting widget-%s on cluster %s", name, name)
		if _, err := widgets.Create(d.ctx, w, metav1.CreateOptions{}); err != nil {
			return err
		}
		pause(500 * time.Millisecond)
		patch := []byte(`{"spec":{"size":2}}`)
		if _, err := widgets.Patch(d.ctx, w.GetName(), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return err
		}
		pause(500 * time.Millisecond)
		if err := widgets.Delete(d.ctx, w.GetName(), metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	pause(2 * time.Second)
	cancel()
	_ = cmd.Wait() // interrupted on purpose
	return nil
}

var widgetGVR = schema.GroupVersionResource{Group: "demo.kcfg.dev", Version: "v1", Resource: "widgets"}

// has reports whether the kcfg binary has a command.
func (d *demo) has(command string) bool {
	var out bytes.Buffer
	cmd := exec.CommandContext(d.ctx, d.kcfg, command, "--help")
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = d.dir, d.env, &out, &out
	if cmd.Run() == nil && strings.Contains(out.String(), "kcfg "+command) {
		return true
	}
	if d.ctx.Err() == nil {
		d.title("kcfg " + command)
		d.note("(kcfg %s is not part of this build: skipped)", command)
	}
	return false
}

// kcfgStep runs kcfg with args and shows its output and exit code.
func (d *demo) kcfgStep(args ...string) {
	if d.ctx.Err() != nil {
		return
	}
	d.title("kcfg " + strings.Join(args, " "))
	cmd := exec.CommandContext(d.ctx, d.kcfg, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = d.dir, d.env, d.out, d.out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil || d.ctx.Err() != nil:
	case errors.As(err, &exit):
		fmt.Fprintf(d.out, "(exit %d)\n", exit.ExitCode())
		if exit.ExitCode() != 1 {
			// 1 is a finding (a context that fails its check); anything
			// else is the demo going wrong.
			d.failed = true
		}
	default:
		fmt.Fprintf(d.out, "(%v)\n", err)
		d.failed = true
	}
}

func (d *demo) title(s string) {
	if d.bold {
		fmt.Fprintf(d.out, "\n\x1b[1m$ %s\x1b[0m\n", s)
		return
	}
	fmt.Fprintf(d.out, "\n$ %s\n", s)
}

func (d *demo) note(format string, args ...any) {
	fmt.Fprintf(d.out, "# "+format+"\n", args...)
}

// startCluster starts etcd and kube-apiserver on 127.0.0.1 with the Widget
// custom resource installed.
func startCluster(ctx context.Context, assets string) (*envtest.Environment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDInstallOptions:     envtest.CRDInstallOptions{CRDs: []*apiextensionsv1.CustomResourceDefinition{widgetCRD()}},
	}
	if _, err := env.Start(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		stopCluster(env)
		return nil, err
	}
	return env, nil
}

func stopCluster(env *envtest.Environment) {
	if err := env.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "demo: stopping an API server: %v\n", err)
	}
}

// writeKubeconfig writes a kubeconfig with an admin for each cluster, a
// user of cluster one without any rights, and a context whose server is a
// closed port, so that kcfg check has something to report.
func writeKubeconfig(path string, clusters map[string]*envtest.Environment) error {
	cfg := clientcmdapi.NewConfig()
	add := func(name, cluster string, rc *rest.Config) {
		cl := clientcmdapi.NewCluster()
		cl.Server, cl.CertificateAuthorityData = strings.TrimSuffix(rc.Host, "/"), rc.CAData
		u := clientcmdapi.NewAuthInfo()
		u.ClientCertificateData, u.ClientKeyData = rc.CertData, rc.KeyData
		cfg.Clusters[cluster] = cl
		cfg.AuthInfos[name] = u
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: name, Namespace: "default"}
	}
	users := []struct {
		context, cluster, user string
		groups                 []string
	}{
		{"one-admin", "one", "alice", []string{"system:masters"}},
		{"one-viewer", "one", "bob", nil},
		{"two-admin", "two", "carol", []string{"system:masters"}},
	}
	for _, u := range users {
		au, err := clusters[u.cluster].AddUser(envtest.User{Name: u.user, Groups: u.groups}, nil)
		if err != nil {
			return fmt.Errorf("adding user %s: %w", u.user, err)
		}
		add(u.context, u.cluster, au.Config())
	}
	// A cluster that has gone away: its port on 127.0.0.1 is closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	gone := rest.CopyConfig(clusters["one"].Config)
	gone.Host = "https://" + l.Addr().String()
	l.Close()
	add("gone", "gone", gone)
	cfg.CurrentContext = "one-admin"
	return clientcmd.WriteToFile(*cfg, path)
}

func widgetCRD() *apiextensionsv1.CustomResourceDefinition {
	preserve := true
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.demo.kcfg.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "demo.kcfg.dev",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget",
				ListKind: "WidgetList", ShortNames: []string{"wd"}},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: &preserve,
				}},
			}},
		},
	}
}

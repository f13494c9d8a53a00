// Package deploy_test checks the in-cluster manifests of kcfg watch: each
// one decodes strictly as a Kubernetes object, and together they fit: the
// Deployment runs a kcfg command line that kcfg accepts, as the service
// account that the bindings grant the least rights it needs.
package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kcfg-dev/kcfg/internal/cli"
	"github.com/kcfg-dev/kcfg/internal/iostreams"
)

// decode splits a YAML stream into documents and decodes each with the
// universal deserializer in strict mode: unknown or duplicate fields and
// unknown kinds are errors.
func decode(data []byte) ([]runtime.Object, error) {
	codecs := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []runtime.Object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			return nil, &docError{n: i, err: err}
		}
		out = append(out, obj)
	}
}

type docError struct {
	n   int
	err error
}

func (e *docError) Error() string { return "document " + strconv.Itoa(e.n) + ": " + e.err.Error() }
func (e *docError) Unwrap() error { return e.err }

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// manifests decodes every manifest of this folder, in file order.
func manifests(t *testing.T) map[string][]runtime.Object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/")
	}
	out := map[string][]runtime.Object{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := decode(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(objs) == 0 {
			t.Errorf("%s: no object", f)
		}
		out[f] = objs
	}
	return out
}

func TestManifestsDecode(t *testing.T) {
	var kinds []string
	all := manifests(t)
	for _, f := range slices.Sorted(maps.Keys(all)) {
		for _, obj := range all[f] {
			kinds = append(kinds, obj.GetObjectKind().GroupVersionKind().Kind)
		}
	}
	want := []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment"}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds in file order %q, want %q", kinds, want)
	}
}

// TestDecodeCatchesMistakes: the check above fails on the mistakes it is
// there for.
func TestDecodeCatchesMistakes(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"misspelled field", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  namespce: kcfg\n", `unknown field "metadata.namespce"`},
		{"unknown kind", "apiVersion: v1\nkind: ServiceAcount\nmetadata:\n  name: a\n", "no kind \"ServiceAcount\""},
		{"wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: two\n", "replicas"},
		{"duplicate field", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  name: b\n", `key "name" already set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode([]byte("---\n" + tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestManifestsFit checks that the objects reference one another and that
// the Deployment's command line is one kcfg accepts, with the rights it needs
// and no more.
func TestManifestsFit(t *testing.T) {
	var (
		ns     *corev1.Namespace
		sa     *corev1.ServiceAccount
		cr     *rbacv1.ClusterRole
		crb    *rbacv1.ClusterRoleBinding
		role   *rbacv1.Role
		rb     *rbacv1.RoleBinding
		deploy *appsv1.Deployment
	)
	for _, objs := range manifests(t) {
		for _, obj := range objs {
			switch o := obj.(type) {
			case *corev1.Namespace:
				ns = o
			case *corev1.ServiceAccount:
				sa = o
			case *rbacv1.ClusterRole:
				cr = o
			case *rbacv1.ClusterRoleBinding:
				crb = o
			case *rbacv1.Role:
				role = o
			case *rbacv1.RoleBinding:
				rb = o
			case *appsv1.Deployment:
				deploy = o
			}
		}
	}
	if ns == nil || sa == nil || cr == nil || crb == nil || role == nil || rb == nil || deploy == nil {
		t.Fatal("missing objects")
	}
	for _, m := range []struct{ kind, ns string }{{"ServiceAccount", sa.Namespace}, {"Role", role.Namespace}, {"RoleBinding", rb.Namespace}, {"Deployment", deploy.Namespace}} {
		if m.ns != ns.Name {
			t.Errorf("%s in namespace %q, want %q", m.kind, m.ns, ns.Name)
		}
	}

	// The command line.
	if n := deploy.Spec.Replicas; n == nil || *n != 2 {
		t.Errorf("replicas %v, want 2", n)
	}
	pod := deploy.Spec.Template.Spec
	if pod.ServiceAccountName != sa.Name {
		t.Errorf("pod runs as %q, want %q", pod.ServiceAccountName, sa.Name)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	io, _, _, _ := iostreams.Test()
	f := &cli.Factory{IO: io, Getenv: func(string) string { return "" }}
	var opts *cli.WatchOptions
	cmd := cli.NewCmdRoot(f)
	for _, c := range cmd.Commands() {
		if c.Name() == "watch" {
			cmd.RemoveCommand(c)
		}
	}
	cmd.AddCommand(cli.NewCmdWatch(f, func(_ context.Context, o *cli.WatchOptions) error { opts = o; return nil }))
	cmd.SetArgs(append(pod.Containers[0].Command, pod.Containers[0].Args...))
	if err := cmd.Execute(); err != nil {
		t.Fatalf("kcfg %q: %v", pod.Containers[0].Args, err)
	}
	if opts == nil || !opts.InCluster || !opts.LeaderElect || opts.Output != "json" {
		t.Fatalf("kcfg %q: options %+v, want --in-cluster --leader-elect -o json", pod.Containers[0].Args, opts)
	}

	// The watched resource: get, list and watch, cluster-wide with -A.
	resource, group, _ := strings.Cut(opts.Resource, ".")
	wantRead := []rbacv1.PolicyRule{{APIGroups: []string{group}, Resources: []string{resource}, Verbs: []string{"get", "list", "watch"}}}
	if !opts.AllNamespaces {
		t.Errorf("the ClusterRole is for -A; a namespaced watch needs a Role")
	}
	if !equalRules(cr.Rules, wantRead) {
		t.Errorf("ClusterRole rules %+v, want %+v", cr.Rules, wantRead)
	}
	// The Lease: create, and get/update of its name only.
	wantLease := []rbacv1.PolicyRule{
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{opts.LeaseName}, Verbs: []string{"get", "update"}},
	}
	if opts.LeaseNamespace != "" && opts.LeaseNamespace != ns.Name {
		t.Errorf("lease namespace %q, want the pod's (%q)", opts.LeaseNamespace, ns.Name)
	}
	if !equalRules(role.Rules, wantLease) {
		t.Errorf("Role rules %+v, want %+v", role.Rules, wantLease)
	}
	// The bindings.
	subject := []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: sa.Namespace}}
	if crb.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: cr.Name}) || !slices.Equal(crb.Subjects, subject) {
		t.Errorf("ClusterRoleBinding %+v %+v, want %s to %+v", crb.RoleRef, crb.Subjects, cr.Name, subject)
	}
	if rb.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: role.Name}) || !slices.Equal(rb.Subjects, subject) {
		t.Errorf("RoleBinding %+v %+v, want %s to %+v", rb.RoleRef, rb.Subjects, role.Name, subject)
	}
}

func equalRules(a, b []rbacv1.PolicyRule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].APIGroups, b[i].APIGroups) || !slices.Equal(a[i].Resources, b[i].Resources) ||
			!slices.Equal(a[i].ResourceNames, b[i].ResourceNames) || !slices.Equal(a[i].Verbs, b[i].Verbs) ||
			len(a[i].NonResourceURLs) > 0 {
			return false
		}
	}
	return true
}

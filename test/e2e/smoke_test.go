package e2e

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kcfg-dev/kcfg/internal/testcluster"
)

// TestControlPlaneSmoke starts the control plane, lists namespaces and stops it.
func TestControlPlaneSmoke(t *testing.T) {
	c := testcluster.Start(t, testcluster.Options{})
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	list, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing namespaces on %s: %v", c, err)
	}
	names := map[string]bool{}
	for _, ns := range list.Items {
		names[ns.GetName()] = true
	}
	for _, want := range []string{"default", "kube-system"} {
		if !names[want] {
			t.Errorf("namespace %q missing; got %v", want, names)
		}
	}
}

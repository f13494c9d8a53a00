package clients

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var namespacesResource = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// Namespaces lists the names of the cluster's namespaces, sorted.
func (s *Set) Namespaces(ctx context.Context) ([]string, error) {
	dyn, err := s.Dynamic()
	if err != nil {
		return nil, err
	}
	list, err := dyn.Resource(namespacesResource).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("context %q: listing namespaces: %w", s.context, err)
	}
	names := make([]string, 0, len(list.Items))
	for _, item := range list.Items {
		names = append(names, item.GetName())
	}
	sort.Strings(names)
	return names, nil
}

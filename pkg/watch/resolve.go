package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/kcfg-dev/kcfg/pkg/clients"
	"github.com/kcfg-dev/kcfg/pkg/kubeconfig"
)

// ErrNoMatch is wrapped by a *ResolveError when no resource has the name.
var ErrNoMatch = errors.New("no such resource")

// ErrAmbiguous is wrapped by a *ResolveError when the name matches resources
// of several API groups.
var ErrAmbiguous = errors.New("resource name is ambiguous")

// Resource is a resolved resource: what an informer needs to list and watch it.
type Resource struct {
	schema.GroupVersionResource
	Kind       string
	Namespaced bool
}

// String is resource.version.group (resource.version for the core group).
func (r Resource) String() string {
	s := r.Resource + "." + r.Version
	if r.Group != "" {
		s += "." + r.Group
	}
	return s
}

// GroupResource is resource.group (the resource alone for the core group),
// the name that is unambiguous in every cluster.
func groupResource(group, resource string) string {
	if group == "" {
		return resource
	}
	return resource + "." + group
}

// ResolveError says why a name did not resolve to one resource in a context.
type ResolveError struct {
	Context string
	// Name is the name as given.
	Name string
	// Err is ErrNoMatch or ErrAmbiguous.
	Err error
	// Closest are the resources (resource.group) whose names are nearest to
	// Name, best first, when Err is ErrNoMatch.
	Closest []string
	// Matches are the resources (resource.group) Name matched, when Err is
	// ErrAmbiguous.
	Matches []string
}

func (e *ResolveError) Error() string {
	switch {
	case errors.Is(e.Err, ErrAmbiguous):
		return fmt.Sprintf("context %q: resource %q is ambiguous: it matches %s; name the group, e.g. %s",
			e.Context, e.Name, strings.Join(e.Matches, ", "), e.Matches[0])
	case len(e.Closest) > 0:
		return fmt.Sprintf("context %q: no resource %q; closest: %s", e.Context, e.Name, strings.Join(e.Closest, ", "))
	default:
		return fmt.Sprintf("context %q: no resource %q (kubectl api-resources lists them)", e.Context, e.Name)
	}
}

func (e *ResolveError) Unwrap() error { return e.Err }

// Resolve finds the resource called name in the context of set, through its
// discovery (plural, singular, kind, short names; resource.group and
// resource.version.group) and its RESTMapper (group, preferred version, scope).
// Custom resources are found like built-in ones. When the name matches
// resources of several groups and one of them is the core group, the core
// group wins, as in kubectl (pods over pods.metrics.k8s.io); otherwise the
// result is a *ResolveError wrapping ErrAmbiguous. No match gives a
// *ResolveError wrapping ErrNoMatch that lists the closest names.
func Resolve(ctx context.Context, set *clients.Set, name string) (Resource, error) {
	disc, err := set.Discovery()
	if err != nil {
		return Resource{}, err
	}
	mapper, err := set.RESTMapper()
	if err != nil {
		return Resource{}, err
	}
	lists, err := serverResources(ctx, disc)
	if err != nil {
		return Resource{}, fmt.Errorf("context %q: discovery: %w", set.Context(), err)
	}
	if ctx.Err() != nil {
		return Resource{}, ctx.Err()
	}
	cands, err := match(lists, name)
	if err != nil {
		var re *ResolveError
		if errors.As(err, &re) {
			re.Context = set.Context()
		}
		return Resource{}, err
	}
	c := cands[0]
	m, err := meta.ToRESTMapperWithContext(mapper).RESTMappingWithContext(ctx, schema.GroupKind{Group: c.gv.Group, Kind: c.res.Kind}, c.gv.Version)
	if err != nil {
		return Resource{}, fmt.Errorf("context %q: resource %q: %w", set.Context(), name, err)
	}
	return Resource{
		GroupVersionResource: m.Resource,
		Kind:                 m.GroupVersionKind.Kind,
		Namespaced:           m.Scope.Name() == meta.RESTScopeNameNamespace,
	}, nil
}

// serverResources returns the listable and watchable resources of every
// group version, preferred versions first within each group. A partial
// discovery failure (an aggregated API that is down) keeps what was found.
func serverResources(ctx context.Context, disc discovery.DiscoveryInterface) ([]*metav1.APIResourceList, error) {
	groups, lists, err := discovery.ToDiscoveryInterfaceWithContext(disc).ServerGroupsAndResourcesWithContext(ctx)
	if err != nil && !(discovery.IsGroupDiscoveryFailedError(err) && len(lists) > 0) {
		return nil, err
	}
	preferred := map[string]string{}
	order := map[string]int{}
	for i, g := range groups {
		preferred[g.Name] = g.PreferredVersion.Version
		order[g.Name] = i
	}
	var out []*metav1.APIResourceList
	for _, l := range lists {
		if l == nil {
			continue
		}
		out = append(out, l)
	}
	rank := func(l *metav1.APIResourceList) (int, int) {
		gv, _ := schema.ParseGroupVersion(l.GroupVersion)
		pref := 1
		if preferred[gv.Group] == gv.Version {
			pref = 0
		}
		return order[gv.Group], pref
	}
	sort.SliceStable(out, func(i, j int) bool {
		gi, pi := rank(out[i])
		gj, pj := rank(out[j])
		if gi != gj {
			return gi < gj
		}
		return pi < pj
	})
	return out, nil
}

type candidate struct {
	gv  schema.GroupVersion
	res metav1.APIResource
}

// names are the names a resource answers to, lower case.
func names(r metav1.APIResource) []string {
	n := []string{r.Name, strings.ToLower(r.Kind)}
	if r.SingularName != "" {
		n = append(n, r.SingularName)
	}
	for _, s := range r.ShortNames {
		n = append(n, strings.ToLower(s))
	}
	return n
}

func watchable(r metav1.APIResource) bool {
	return !strings.Contains(r.Name, "/") && slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "watch")
}

// match finds the candidates for arg among lists (ordered by priority): the
// first is the one to use. It follows kubectl's parsing: with two dots or
// more, resource.version.group is tried first, then resource.group.
func match(lists []*metav1.APIResourceList, arg string) ([]candidate, error) {
	lower := strings.ToLower(arg)
	fullGVR, gr := schema.ParseResourceArg(lower)
	var found []candidate
	if fullGVR != nil {
		found = find(lists, fullGVR.Resource, fullGVR.Group, fullGVR.Version)
	}
	if len(found) == 0 {
		found = find(lists, gr.Resource, gr.Group, "")
	}
	if len(found) == 0 {
		return nil, &ResolveError{Name: arg, Err: ErrNoMatch, Closest: closest(lists, lower)}
	}
	var groups []string
	for _, c := range found {
		g := groupResource(c.gv.Group, c.res.Name)
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	if len(groups) > 1 {
		for _, c := range found {
			if c.gv.Group == "" {
				return []candidate{c}, nil
			}
		}
		return nil, &ResolveError{Name: arg, Err: ErrAmbiguous, Matches: groups}
	}
	return found, nil
}

func find(lists []*metav1.APIResourceList, name, group, version string) []candidate {
	var out []candidate
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		if (group != "" && gv.Group != group) || (version != "" && gv.Version != version) {
			continue
		}
		for _, r := range l.APIResources {
			if watchable(r) && slices.Contains(names(r), name) {
				out = append(out, candidate{gv: gv, res: r})
			}
		}
	}
	return out
}

// closest returns up to five resource.group names whose names are nearest
// to arg by edit distance, or that contain it.
func closest(lists []*metav1.APIResourceList, arg string) []string {
	type scored struct {
		name string
		d    int
	}
	best := map[string]int{}
	limit := max(1, (len(arg)+1)/3)
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !watchable(r) {
				continue
			}
			full := groupResource(gv.Group, r.Name)
			for _, n := range append(names(r), full) {
				d := kubeconfig.EditDistance(arg, n)
				contains := (len(arg) >= 3 && strings.Contains(n, arg)) || (len(n) >= 4 && strings.Contains(arg, n))
				if d > limit && !contains {
					continue
				}
				if old, ok := best[full]; !ok || d < old {
					best[full] = d
				}
			}
		}
	}
	var all []scored
	for n, d := range best {
		all = append(all, scored{n, d})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].name < all[j].name
	})
	var out []string
	for i := 0; i < len(all) && i < 5; i++ {
		out = append(out, all[i].name)
	}
	return out
}

// defaultResolveTimeout bounds one attempt to resolve a resource when
// Options.ResolveTimeout is zero.
const defaultResolveTimeout = 10 * time.Second

// resolveWithin is Resolve bounded by timeout and by ctx, even where a call
// below ignores its context (a credential plugin that never ends): the
// attempt is then abandoned and its goroutine ends when that call does.
func resolveWithin(ctx context.Context, set *clients.Set, name string, timeout time.Duration) (Resource, error) {
	if timeout <= 0 {
		timeout = defaultResolveTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		res Resource
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := Resolve(rctx, set, name)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-rctx.Done():
		if ctx.Err() != nil {
			return Resource{}, ctx.Err()
		}
		return Resource{}, fmt.Errorf("context %q: resolving %q: no answer within %s: %w", set.Context(), name, timeout, rctx.Err())
	}
}

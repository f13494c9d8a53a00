package watch

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// EventType is the kind of change an Event reports.
type EventType string

// The event types, spelled as in the Kubernetes watch API.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
)

// ParseEventTypes turns names such as "added" or "DELETED" into event types.
func ParseEventTypes(names []string) ([]EventType, error) {
	var out []EventType
	for _, n := range names {
		t := EventType(strings.ToUpper(strings.TrimSpace(n)))
		switch t {
		case Added, Modified, Deleted:
			out = append(out, t)
		default:
			return nil, fmt.Errorf("event type %q: want added, modified or deleted", n)
		}
	}
	return out, nil
}

// Event is one change of one object in one context.
type Event struct {
	Type EventType
	// Context is the kubeconfig context the event comes from.
	Context  string
	Resource Resource
	// Namespace is empty for cluster-scoped resources.
	Namespace, Name, ResourceVersion string
	// Time is when the informer delivered the change.
	Time time.Time
	// Initial is true for an ADDED event of the informer's initial list.
	Initial bool
	// Object is the object after the change (for DELETED, its last known
	// state). It is shared with the informer's cache: handlers must not
	// change it.
	Object *unstructured.Unstructured
	// OldObject is the object before the change, for MODIFIED.
	OldObject *unstructured.Unstructured
	// Changes are the fields that changed, for MODIFIED: fields that are
	// always ignored (resourceVersion, managedFields, generation) and
	// Options.IgnoreFields are left out.
	Changes []Change
}

// Change is one field that changed in an update. Path is dotted, with
// [i] for list items and ["key"] for keys that are not plain words.
type Change struct {
	Path string `json:"path"`
	// Op is "add", "remove" or "replace".
	Op  string `json:"op"`
	Old any    `json:"old,omitempty"`
	New any    `json:"new,omitempty"`
}

// eventJSON is the documented JSON form of an Event, one per line in
// kcfg watch -o json, on the stdin of --exec commands and in --webhook bodies.
type eventJSON struct {
	Type            EventType      `json:"type"`
	Context         string         `json:"context"`
	Group           string         `json:"group"`
	Version         string         `json:"version"`
	Resource        string         `json:"resource"`
	Kind            string         `json:"kind"`
	Namespace       string         `json:"namespace,omitempty"`
	Name            string         `json:"name"`
	ResourceVersion string         `json:"resourceVersion"`
	Time            time.Time      `json:"time"`
	Initial         bool           `json:"initial,omitempty"`
	Object          map[string]any `json:"object"`
	OldObject       map[string]any `json:"oldObject,omitempty"`
	Changes         []Change       `json:"changes,omitempty"`
}

// MarshalJSON encodes the event in its documented JSON form.
func (e Event) MarshalJSON() ([]byte, error) {
	j := eventJSON{
		Type: e.Type, Context: e.Context,
		Group: e.Resource.Group, Version: e.Resource.Version, Resource: e.Resource.Resource, Kind: e.Resource.Kind,
		Namespace: e.Namespace, Name: e.Name, ResourceVersion: e.ResourceVersion,
		Time: e.Time.UTC(), Initial: e.Initial, Changes: e.Changes,
	}
	if e.Object != nil {
		j.Object = e.Object.Object
	}
	if e.OldObject != nil {
		j.OldObject = e.OldObject.Object
	}
	return json.Marshal(j)
}

// alwaysIgnored are fields whose changes alone never make an event: the
// server bumps them along with every write, or kcfg strips them.
var alwaysIgnored = [...]string{"metadata.resourceVersion", "metadata.managedFields", "metadata.generation"}

// Diff returns the fields that differ between old and new, leaving out the
// always-ignored fields and those under any of ignore (dotted paths such as
// "status" or "metadata.annotations"), in path order.
func Diff(old, new map[string]any, ignore []string) []Change {
	d := differ{ignore: append(alwaysIgnored[:], ignore...)}
	d.walk("", old, new)
	sort.SliceStable(d.out, func(i, j int) bool { return d.out[i].Path < d.out[j].Path })
	return d.out
}

type differ struct {
	ignore []string
	out    []Change
}

func (d *differ) ignored(path string) bool {
	for _, f := range d.ignore {
		f = strings.TrimPrefix(f, ".")
		if path == f || strings.HasPrefix(path, f+".") || strings.HasPrefix(path, f+"[") {
			return true
		}
	}
	return false
}

func (d *differ) walk(path string, a, b any) {
	if d.ignored(path) {
		return
	}
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			keys := map[string]bool{}
			for k := range av {
				keys[k] = true
			}
			for k := range bv {
				keys[k] = true
			}
			for k := range keys {
				p := joinKey(path, k)
				x, inA := av[k]
				y, inB := bv[k]
				switch {
				case !inA:
					d.add(p, "add", nil, y)
				case !inB:
					d.add(p, "remove", x, nil)
				default:
					d.walk(p, x, y)
				}
			}
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			for i := 0; i < max(len(av), len(bv)); i++ {
				p := path + "[" + strconv.Itoa(i) + "]"
				switch {
				case i >= len(av):
					d.add(p, "add", nil, bv[i])
				case i >= len(bv):
					d.add(p, "remove", av[i], nil)
				default:
					d.walk(p, av[i], bv[i])
				}
			}
			return
		}
	}
	if !reflect.DeepEqual(a, b) {
		d.add(path, "replace", a, b)
	}
}

func (d *differ) add(path, op string, old, new any) {
	if !d.ignored(path) {
		d.out = append(d.out, Change{Path: path, Op: op, Old: old, New: new})
	}
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func joinKey(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Package watch follows any Kubernetes resource, custom resources included,
// across several contexts at once, with client-go dynamic informers, and hands
// each change to handlers as an ordered Event.
//
// A name such as "widgets", "widget", "Widget", "wd", "widgets.demo.kcfg.dev"
// or "widgets.v1.demo.kcfg.dev" is resolved per context through discovery and
// a RESTMapper. One dynamic shared informer factory runs per context and
// namespace scope; managedFields are stripped before objects are cached.
// Callbacks become events: the initial list is ADDED with Initial set (as the
// informer reports it), resyncs and updates that change only resourceVersion,
// managedFields or ignored fields are dropped. Each handler reads from its own
// bounded queue, so a slow handler never makes memory grow without bound:
// either the oldest events are dropped and counted, or delivery waits and the
// informer's watch is held back.
//
// A context that fails (unreachable, resource not yet defined) is reported
// through Options.Notify and retried while the others go on.
package watch

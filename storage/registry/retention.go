package registry

import (
	"context"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// AlertRetention bounds the RuntimeAlerts kept: none older than MaxAge
// (0: no age limit) and at most MaxCount, the newest (0: no count limit).
// The pruner runs every Interval.
type AlertRetention struct {
	MaxAge   time.Duration
	MaxCount int
	Interval time.Duration
}

// RunAlertRetention prunes RuntimeAlerts every Interval until ctx is done.
func (a *API) RunAlertRetention(ctx context.Context) {
	r := a.cfg.Alerts
	if (r.MaxAge <= 0 && r.MaxCount <= 0) || r.Interval <= 0 {
		return
	}
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		n, err := a.PruneAlerts(ctx, time.Now())
		if err != nil && ctx.Err() == nil {
			klog.ErrorS(err, "runtime alert retention")
		} else if n > 0 {
			klog.InfoS("runtime alert retention", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type alertRef struct {
	namespace, name string
	at              time.Time
}

// PruneAlerts deletes the RuntimeAlerts beyond the retention limits as of
// now and returns how many it deleted. Alerts are read a page at a time;
// only their names and times are kept in memory.
func (a *API) PruneAlerts(ctx context.Context, now time.Time) (int, error) {
	r := a.cfg.Alerts
	var refs []alertRef
	opts := &metainternalversion.ListOptions{Limit: 500}
	for {
		obj, err := a.alerts.List(genericapirequest.WithNamespace(ctx, metav1.NamespaceAll), opts)
		if err != nil {
			return 0, fmt.Errorf("listing runtime alerts: %w", err)
		}
		list, ok := obj.(*v1beta1.RuntimeAlertList)
		if !ok {
			return 0, fmt.Errorf("listing runtime alerts: unexpected %T", obj)
		}
		for i := range list.Items {
			a := &list.Items[i]
			refs = append(refs, alertRef{namespace: a.Namespace, name: a.Name, at: alertTime(a)})
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].at.After(refs[j].at) })
	var doomed []alertRef
	for i, ref := range refs {
		if (r.MaxCount > 0 && i >= r.MaxCount) || (r.MaxAge > 0 && now.Sub(ref.at) > r.MaxAge) {
			doomed = append(doomed, ref)
		}
	}
	deleted := 0
	for _, ref := range doomed {
		dctx := genericapirequest.WithNamespace(ctx, ref.namespace)
		_, _, err := a.alerts.Delete(dctx, ref.name, rest.ValidateAllObjectFunc, &metav1.DeleteOptions{})
		if err != nil {
			if ctx.Err() != nil {
				return deleted, ctx.Err()
			}
			// Deleted meanwhile by someone else: not an error.
			if isNotFound(err) {
				continue
			}
			return deleted, fmt.Errorf("deleting runtime alert %s/%s: %w", ref.namespace, ref.name, err)
		}
		deleted++
	}
	return deleted, nil
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

// alertTime is when a RuntimeAlert happened (its last occurrence), or when
// it was stored if the agent gave no time.
func alertTime(a *v1beta1.RuntimeAlert) time.Time {
	if a.Spec.LastTime != nil && !a.Spec.LastTime.IsZero() {
		return a.Spec.LastTime.Time
	}
	if !a.Spec.Time.IsZero() {
		return a.Spec.Time.Time
	}
	return a.CreationTimestamp.Time
}

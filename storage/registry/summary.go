package registry

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// summaryREST serves ConfigurationScanSummaries: one per namespace, computed
// on read from the namespace's WorkloadConfigurationScanSummaries. It can be
// read (get, list) but not written.
type summaryREST struct {
	workloads *genericregistry.Store
	table     rest.TableConvertor
}

var (
	_ rest.Getter               = &summaryREST{}
	_ rest.Lister               = &summaryREST{}
	_ rest.Scoper               = &summaryREST{}
	_ rest.SingularNameProvider = &summaryREST{}
	_ rest.CategoriesProvider   = &summaryREST{}
)

func newSummaryREST(workloads *genericregistry.Store) *summaryREST {
	r := summaryResource()
	return &summaryREST{workloads: workloads, table: r.table()}
}

func (s *summaryREST) New() runtime.Object     { return &v1beta1.ConfigurationScanSummary{} }
func (s *summaryREST) NewList() runtime.Object { return &v1beta1.ConfigurationScanSummaryList{} }
func (s *summaryREST) Destroy()                {}
func (s *summaryREST) NamespaceScoped() bool   { return false }
func (s *summaryREST) GetSingularName() string { return "configurationscansummary" }
func (s *summaryREST) Categories() []string    { return []string{Category} }
func (s *summaryREST) ConvertToTable(ctx context.Context, obj, opts runtime.Object) (*metav1.Table, error) {
	return s.table.ConvertToTable(ctx, obj, opts)
}

// Get computes the summary of the namespace called name.
func (s *summaryREST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	sums, rv, err := s.compute(ctx, name)
	if err != nil {
		return nil, err
	}
	sum, ok := sums[name]
	if !ok {
		return nil, apierrors.NewNotFound(v1beta1.Resource("configurationscansummaries"), name)
	}
	sum.ResourceVersion = rv
	return sum, nil
}

// List computes the summary of every namespace that has workload summaries.
// metadata.name field selectors pick namespaces; the summaries carry no
// labels, so only a selector that matches no labels keeps them.
func (s *summaryREST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	ns := metav1.NamespaceAll
	if options != nil && options.FieldSelector != nil {
		if v, ok := options.FieldSelector.RequiresExactMatch("metadata.name"); ok {
			ns = v
		}
	}
	sums, rv, err := s.compute(ctx, ns)
	if err != nil {
		return nil, err
	}
	list := &v1beta1.ConfigurationScanSummaryList{}
	list.ResourceVersion = rv
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sum := sums[n]
		if options != nil {
			if options.LabelSelector != nil && !options.LabelSelector.Matches(labels.Set(sum.Labels)) {
				continue
			}
			if options.FieldSelector != nil && !options.FieldSelector.Matches(fields.Set{"metadata.name": n}) {
				continue
			}
		}
		list.Items = append(list.Items, *sum)
	}
	return list, nil
}

// compute adds up the WorkloadConfigurationScanSummaries of one namespace
// (or all, for NamespaceAll), a page at a time. The caller must be allowed
// to read configurationscansummaries; the workload summaries are read with
// the server's own access, as the summary is derived data.
func (s *summaryREST) compute(ctx context.Context, namespace string) (map[string]*v1beta1.ConfigurationScanSummary, string, error) {
	out := map[string]*v1beta1.ConfigurationScanSummary{}
	opts := &metainternalversion.ListOptions{Limit: 500}
	rv := ""
	for {
		obj, err := s.workloads.List(genericapirequest.WithNamespace(ctx, namespace), opts)
		if err != nil {
			return nil, "", err
		}
		list, ok := obj.(*v1beta1.WorkloadConfigurationScanSummaryList)
		if !ok {
			return nil, "", fmt.Errorf("unexpected list type %T", obj)
		}
		if rv == "" {
			rv = list.ResourceVersion
		}
		for i := range list.Items {
			w := &list.Items[i]
			sum := out[w.Namespace]
			if sum == nil {
				sum = &v1beta1.ConfigurationScanSummary{
					TypeMeta:   metav1.TypeMeta{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "ConfigurationScanSummary"},
					ObjectMeta: metav1.ObjectMeta{Name: w.Namespace},
				}
				out[w.Namespace] = sum
			}
			addWorkload(sum, w)
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	for _, sum := range out {
		sort.Slice(sum.Spec.Summaries, func(i, j int) bool { return sum.Spec.Summaries[i].Name < sum.Spec.Summaries[j].Name })
	}
	return out, rv, nil
}

func addWorkload(sum *v1beta1.ConfigurationScanSummary, w *v1beta1.WorkloadConfigurationScanSummary) {
	sp := &sum.Spec
	sp.Workloads++
	c := w.Spec.Severities
	sp.Severities.Critical += c.Critical
	sp.Severities.High += c.High
	sp.Severities.Medium += c.Medium
	sp.Severities.Low += c.Low
	if c.Critical+c.High+c.Medium+c.Low > 0 {
		sp.FailedWorkloads++
	}
	if t := w.Spec.ScanTime; !t.IsZero() && (sp.LastScanTime == nil || sp.LastScanTime.Before(&t)) {
		sp.LastScanTime = t.DeepCopy()
	}
	if ct := w.CreationTimestamp; sum.CreationTimestamp.IsZero() || ct.Before(&sum.CreationTimestamp) {
		sum.CreationTimestamp = ct
	}
	sp.Summaries = append(sp.Summaries, v1beta1.WorkloadSummaryReference{
		Name: w.Name, Kind: w.Spec.Resource.Kind, ResourceName: w.Spec.Resource.Name,
	})
}

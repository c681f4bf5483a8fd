package vap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// FieldManager is the field manager of server-side apply.
const FieldManager = "kubescape"

var (
	policiesGVR = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicies"}
	bindingsGVR = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicybindings"}
	crdGVR      = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	paramsGVR   = ParamsGroupVersion.WithResource(ParamsResource)
)

// crdTimeout bounds the wait for the ControlConfiguration CRD to be served.
const crdTimeout = time.Minute

// Apply applies the manifests to a cluster with server-side apply, in
// order: the CRD (waiting until it is served), the params, the policies,
// then the bindings. It writes one line per object to log.
func Apply(ctx context.Context, cfg *rest.Config, m *Manifests, log io.Writer) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	apply := func(gvr schema.GroupVersionResource, obj runtime.Object) error {
		u, err := toUnstructured(obj)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		force := true
		if _, err := client.Resource(gvr).Patch(ctx, u.GetName(), types.ApplyPatchType, raw,
			metav1.PatchOptions{FieldManager: FieldManager, Force: &force}); err != nil {
			return fmt.Errorf("apply %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		fmt.Fprintf(log, "%s/%s serverside-applied\n", gvr.Resource, u.GetName())
		return nil
	}
	if m.CRD != nil {
		if err := apply(crdGVR, m.CRD); err != nil {
			return err
		}
		if err := waitEstablished(ctx, client, m.CRD.Name); err != nil {
			return err
		}
	}
	if m.Params != nil {
		if err := apply(paramsGVR, m.Params); err != nil {
			return err
		}
	}
	for _, p := range m.Policies {
		if err := apply(policiesGVR, p); err != nil {
			return err
		}
	}
	for _, b := range m.Bindings {
		if err := apply(bindingsGVR, b); err != nil {
			return err
		}
	}
	return nil
}

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("convert %T: %w", obj, err)
	}
	u := &unstructured.Unstructured{Object: content}
	// Server-side apply refuses a status, and creationTimestamp: null is noise.
	delete(u.Object, "status")
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	return u, nil
}

// waitEstablished waits until the API server serves the CRD.
func waitEstablished(ctx context.Context, client dynamic.Interface, name string) error {
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, crdTimeout, true, func(ctx context.Context) (bool, error) {
		u, err := client.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &crd); err != nil {
			return false, err
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("wait for CRD %s to be established: %w", name, err)
	}
	return nil
}

// Delete removes everything Apply made (selected by the managed-by label):
// the bindings first, so that no request is judged by a half-removed set.
func Delete(ctx context.Context, cfg *rest.Config, log io.Writer) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("cluster client: %w", err)
	}
	selector := ManagedByLabel + "=" + ManagedByValue
	var errs []error
	for _, gvr := range []schema.GroupVersionResource{bindingsGVR, policiesGVR, paramsGVR, crdGVR} {
		list, err := client.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if apierrors.IsNotFound(err) {
			// The CRD, and so its objects, may be absent.
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("list %s: %w", gvr.Resource, err))
			continue
		}
		for _, item := range list.Items {
			err := client.Resource(gvr).Delete(ctx, item.GetName(), metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete %s %s: %w", gvr.Resource, item.GetName(), err))
				continue
			}
			fmt.Fprintf(log, "%s/%s deleted\n", gvr.Resource, item.GetName())
		}
	}
	return errors.Join(errs...)
}

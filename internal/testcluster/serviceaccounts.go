package testcluster

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// rootCAConfigMap is the ConfigMap a real controller-manager publishes in
// every namespace with the cluster's CA, for Pods to verify the API server.
const rootCAConfigMap = "kube-root-ca.crt"

// publishServiceAccounts does for every namespace, until ctx ends, what the
// controller-manager's serviceaccount and root-ca-cert-publisher controllers
// do: it creates the "default" ServiceAccount (without it the
// ServiceAccount admission plugin rejects every Pod) and the
// kube-root-ca.crt ConfigMap. Errors are retried on the next list.
func publishServiceAccounts(ctx context.Context, client kubernetes.Interface, caPEM []byte) {
	namespaces := client.CoreV1().Namespaces()
	for ctx.Err() == nil {
		list, err := namespaces.List(ctx, metav1.ListOptions{})
		if err != nil {
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		for i := range list.Items {
			publishTo(ctx, client, &list.Items[i], caPEM)
		}
		w, err := namespaces.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
		if err != nil {
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		for ev := range w.ResultChan() {
			if ns, ok := ev.Object.(*corev1.Namespace); ok && ev.Type == watch.Added {
				publishTo(ctx, client, ns, caPEM)
			}
		}
		w.Stop()
	}
}

func publishTo(ctx context.Context, client kubernetes.Interface, ns *corev1.Namespace, caPEM []byte) {
	if ns.DeletionTimestamp != nil {
		return
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}
	// AlreadyExists is the common case; anything else is retried on the next list.
	_, _ = client.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{})
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: rootCAConfigMap, Namespace: ns.Name},
		Data:       map[string]string{"ca.crt": string(caPEM)},
	}
	_, _ = client.CoreV1().ConfigMaps(ns.Name).Create(ctx, cm, metav1.CreateOptions{})
}

// waitServiceAccount waits until namespace ns has its default ServiceAccount.
func waitServiceAccount(ctx context.Context, client kubernetes.Interface, ns string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, err := client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsNotFound(err) && ctx.Err() == nil {
			return fmt.Errorf("get ServiceAccount %s/default: %w", ns, err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ServiceAccount %s/default was not created within 30s", ns)
		}
		sleep(ctx, 50*time.Millisecond)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
